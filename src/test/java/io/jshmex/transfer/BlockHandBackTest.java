package io.jshmex.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.NativeShm;
import io.jshmex.testing.LeakCheckedTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.DoubleBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A reply that is copied out (arrays, records) goes back in the block its request came in, once
 * the receiver of the request has copied the request out: one block per round trip, not two.
 */
class BlockHandBackTest extends LeakCheckedTest {
    private static final int N = 2048;
    private static final long NEEDED = Progress.BYTES + N * 8L;

    private static double[] values(int n, double shift) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i * 0.5 + shift;
        }
        return v;
    }

    @Test
    void shouldWriteAReplyIntoTheBlockItsRequestCameIn() throws Exception {
        try (LinkPair link = new LinkPair()) {
            for (int round = 0; round < 3; round++) {
                double[] atWorker = (double[]) link.toWorker(values(N, round));
                assertFalse(link.lastTable.get(0).receiversBlock(), "a request goes in a block of the sender's");
                assertEquals(1, link.parent.blocks().blockCount());

                double[] reply = values(N, round + 100);
                double[] atParent = (double[]) link.toParent(reply);
                assertArrayEquals(values(N, round), atWorker);
                assertArrayEquals(reply, atParent);
                assertTrue(link.lastTable.get(0).receiversBlock(), "round " + round + ": the reply took a block of its own");
                assertEquals(0, link.worker.blocks().blockCount(), "the worker made a block of its own");
                assertTrue(link.parent.blocks().hasFreeFit(NEEDED), "the parent's block is not free again");
            }
            assertEquals(1, link.parent.blocks().blockCount(), "the parent's one block served every round");
            assertEquals(0, link.worker.takePeerBlocksDone().length, "the block went back with the reply, not in a notice");
        }
    }

    @Test
    void shouldTakeABlockOfItsOwnWhenTheReplyDoesNotFit() throws Exception {
        try (LinkPair link = new LinkPair()) {
            link.toWorker(values(N, 1));
            // past the parent's block, which is 64 KiB at least
            double[] larger = values(16 * N, 2);
            assertArrayEquals(larger, (double[]) link.toParent(larger));
            assertFalse(link.lastTable.get(0).receiversBlock());
            assertEquals(1, link.worker.blocks().blockCount());
            assertFalse(link.parent.blocks().hasFreeFit(NEEDED), "the worker has not reported its copy yet");

            link.exchangeNotices();
            assertTrue(link.parent.blocks().hasFreeFit(NEEDED), "the notice gave the parent's block back");
        }
    }

    @Test
    void shouldNotHandBackABlockThatAViewStillHolds() throws Exception {
        try (LinkPair link = new LinkPair()) {
            DoubleBuffer view = (DoubleBuffer) link.toWorker(DoubleBuffer.wrap(values(N, 3)));
            assertTrue(view.isDirect(), "a large buffer arrives as a view of the block");
            double[] reply = values(N, 4);
            assertArrayEquals(reply, (double[]) link.toParent(reply));
            assertFalse(link.lastTable.get(0).receiversBlock(), "the reply overwrote memory a live view shows");
            assertEquals(3.0, view.get(0));
            link.workerReceipt.endLeases();
        }
    }

    @Test
    void shouldNotHandBackABlockWhoseMappingWasCutOff() throws Exception {
        try (LinkPair link = new LinkPair()) {
            DoubleBuffer view = (DoubleBuffer) link.toWorker(DoubleBuffer.wrap(values(N, 3)));
            // an explicit release cuts this side's view off; mapping it again for a reply costs
            // more than a block of the worker's own
            assertTrue(NativeShm.release(view));
            double[] reply = values(N, 4);
            assertArrayEquals(reply, (double[]) link.toParent(reply));
            assertFalse(link.lastTable.get(0).receiversBlock(), "a block whose mapping was cut off was mapped again");
            assertEquals(1, link.worker.blocks().blockCount());

            link.exchangeNotices();
            assertTrue(link.parent.blocks().hasFreeFit(NEEDED), "the parent's block did not come back by notice");
        }
    }

    @Test
    void shouldGiveTheBlockBackWhenTheReplyIsNotSent() throws Exception {
        try (LinkPair link = new LinkPair()) {
            link.toWorker(values(N, 5));
            TransferLink.Staged staged = link.worker.stage(link.worker.encode(values(N, 6)));
            assertTrue(staged.table().get(0).receiversBlock());
            link.worker.abandon(staged);

            link.exchangeNotices();
            assertTrue(link.parent.blocks().hasFreeFit(NEEDED), "an abandoned reply kept the parent's block");
        }
    }

    @Test
    void shouldFreeItsBlockWhenTheReplyFailsBeforeReachingIt() throws Exception {
        try (LinkPair link = new LinkPair()) {
            link.toWorker(values(N, 7));
            // fails while it is read, before the stream reaches the array after it
            PoolTransferCleanupTest.Unreadable unreadable = new PoolTransferCleanupTest.Unreadable();
            assertThrows(IOException.class, () -> link.toParent(List.of(unreadable, values(N, 8))));
            assertTrue(link.lastTable.get(0).receiversBlock());
            assertTrue(link.parent.blocks().hasFreeFit(NEEDED), "the block of a reply never read stayed taken");
        }
    }

    @Test
    void shouldRefuseAnEntryNamingABlockTheReceiverDoesNotLend() throws Exception {
        try (LinkPair link = new LinkPair()) {
            Payload reply = link.worker.encode(values(N, 9));
            List<TableEntry> forged = List.of(new TableEntry(false, "forged", 999, Progress.BYTES, N * 8L, true, true));
            IOException refused = assertThrows(IOException.class, () -> link.parent.decode(reply.stream(), forged, null));
            assertTrue(refused.getMessage().contains("block 999"), refused.getMessage());
        }
    }

    @Test
    void shouldRefuseAMalformedEntryOnTheWire() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new TableEntry(true, "user", -1, Progress.BYTES, 8, true, true).write(new DataOutputStream(bytes));
        IOException refused = assertThrows(IOException.class,
            () -> TableEntry.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))));
        assertTrue(refused.getMessage().contains("corrupt segment table entry"), refused.getMessage());
    }
}
