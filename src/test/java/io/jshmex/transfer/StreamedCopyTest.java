package io.jshmex.transfer;

import static io.jshmex.transfer.TestValues.assertSameArray;
import static io.jshmex.transfer.TestValues.assertSameBuffer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.transfer.TestValues.ArrayType;
import io.jshmex.transfer.TestValues.BufferType;
import io.jshmex.transfer.TestValues.Shape;
import java.io.IOException;
import java.nio.Buffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The receiver starts reading as soon as the message arrives, while the sender is still copying
 * the values in: it must wait for each part, never read a part not yet written, and give up with
 * an error, not hang, when the sender is gone.
 */
class StreamedCopyTest extends LeakCheckedTest {
    /** Several of the sender's chunks, so that reading overlaps writing. */
    private static final int ELEMENTS = 6_000_000;

    @Test
    void shouldDeliverEqualValuesWhenReceiverReadsWhileSenderCopies() throws Exception {
        Object[] graph = {ArrayType.DOUBLE.filled(ELEMENTS, 1), Shape.HEAP.make(BufferType.LONG, ELEMENTS / 2, 2),
            ArrayType.BOOLEAN.filled(ELEMENTS, 3)};
        try (LinkPair link = new LinkPair()) {
            for (int round = 0; round < 3; round++) {
                Payload payload = PayloadEncoder.encode(graph, link.threshold, null);
                TransferLink.Staged staged = link.parent.stage(payload);
                assertTrue(staged.table().stream().allMatch(TableEntry::streamed), staged.table().toString());
                CompletableFuture<Object> received = CompletableFuture.supplyAsync(() -> {
                    try {
                        return link.worker.decode(payload.stream(), staged.table(), link.workerReceipt);
                    } catch (IOException | ClassNotFoundException e) {
                        throw new IllegalStateException(e);
                    }
                });
                staged.copyIn();
                Object[] atWorker = (Object[]) received.get(60, TimeUnit.SECONDS);
                assertSameArray(graph[0], atWorker[0], "round " + round + ", doubles");
                assertSameBuffer((Buffer) graph[1], atWorker[1], "round " + round + ", long buffer");
                assertSameArray(graph[2], atWorker[2], "round " + round + ", booleans");
                link.workerReceipt.endLeases();
                link.exchangeNotices();
            }
            assertEquals(3, link.parent.blocks().blockCount(), "blocks were not reused across rounds");
        }
    }

    @Test
    void shouldFailInsteadOfWaitingWhenTheSenderIsGoneBeforeCopying() throws Exception {
        try (LinkPair link = new LinkPair()) {
            Payload payload = PayloadEncoder.encode(ArrayType.DOUBLE.filled(ELEMENTS, 1), link.threshold, null);
            TransferLink.Staged staged = link.parent.stage(payload);
            link.worker.markPeerGone();
            CompletableFuture<Object> received = CompletableFuture.supplyAsync(() -> {
                try {
                    return link.worker.decode(payload.stream(), staged.table(), link.workerReceipt);
                } catch (IOException | ClassNotFoundException e) {
                    throw new IllegalStateException(e);
                }
            });
            Exception e = assertThrows(Exception.class, () -> received.get(30, TimeUnit.SECONDS));
            assertFalse(e instanceof java.util.concurrent.TimeoutException, "the receiver still waits for a dead sender");
            assertTrue(e.getCause() instanceof IllegalStateException && e.getCause().getCause() instanceof IOException,
                "failed with " + e);
            link.parent.abandon(staged);
        }
    }
}
