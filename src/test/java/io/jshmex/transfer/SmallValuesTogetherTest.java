package io.jshmex.transfer;

import static io.jshmex.transfer.TestValues.assertSameArray;
import static io.jshmex.transfer.TestValues.assertSameBuffer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.shm.Mapping;
import io.jshmex.shm.SegmentDescriptor;
import io.jshmex.shm.SegmentNames;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.transfer.TestValues.ArrayType;
import io.jshmex.transfer.TestValues.BufferType;
import io.jshmex.transfer.TestValues.Shape;
import java.io.IOException;
import java.io.Serializable;
import java.nio.Buffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The small values of one message that the receiver copies out (arrays and records up to
 * {@link TransferLink#SMALL_VALUE_BYTES}) share one block, each behind a progress word of its own;
 * the block goes back to the sender once, after the last of them, whether decoding reached them
 * or not. Larger values and buffers, which arrive as views, keep a block each.
 */
class SmallValuesTogetherTest extends LeakCheckedTest {
    /** Over {@link LinkPair#THRESHOLD}, so every array below goes by shared memory. */
    private static final int SMALL_BYTES = 3 * 4096;

    record Hit(double time, long channel, float area, int flags) implements Serializable {
    }

    private static Hit[] hits(int n, int seed) {
        Hit[] hits = new Hit[n];
        for (int i = 0; i < n; i++) {
            hits[i] = new Hit(i * 0.5 + seed, i, i * 0.25f, i % 7);
        }
        return hits;
    }

    /** One small array of every primitive type, in a list. */
    private static List<Object> smallArrays(int seed) {
        List<Object> values = new ArrayList<>();
        for (ArrayType type : ArrayType.values()) {
            values.add(type.filled(type.lengthFor(SMALL_BYTES) + 3, seed + type.ordinal()));
        }
        return values;
    }

    private static Set<Long> blocksOf(List<TableEntry> table) {
        Set<Long> ids = new HashSet<>();
        table.forEach(entry -> ids.add(entry.blockId()));
        return ids;
    }

    private static long count(long[] ids, long id) {
        return Arrays.stream(ids).filter(x -> x == id).count();
    }

    @Test
    void shouldCarryTheSmallValuesOfAMessageInOneBlockEachBehindItsOwnProgressWord() throws Exception {
        List<Object> sent = smallArrays(1);
        sent.add(hits(1000, 2));
        try (LinkPair link = new LinkPair()) {
            for (int round = 0; round < 3; round++) {
                @SuppressWarnings("unchecked")
                List<Object> arrived = (List<Object>) link.toWorker(sent);
                for (int i = 0; i < ArrayType.values().length; i++) {
                    assertSameArray(sent.get(i), arrived.get(i), "round " + round + ", value " + i);
                }
                assertArrayEquals((Hit[]) sent.get(sent.size() - 1), (Hit[]) arrived.get(sent.size() - 1));

                List<TableEntry> table = link.lastTable;
                assertEquals(sent.size(), table.size());
                assertEquals(1, blocksOf(table).size(), "small values took blocks of their own: " + table);
                long end = 0;
                for (TableEntry entry : table) {
                    assertTrue(entry.streamed());
                    assertTrue(entry.offset() >= end + Progress.BYTES, "values overlap or lack their word: " + table);
                    assertEquals(0, entry.offset() % Progress.BYTES, "a value shares a cache line: " + table);
                    end = entry.offset() + entry.bytes();
                }
                long block = table.get(0).blockId();
                long[] done = link.worker.takePeerBlocksDone();
                assertEquals(1, count(done, block), "the shared block was not reported exactly once: " + Arrays.toString(done));
                link.parent.applyNotices(done, link.worker.takeDrops());
            }
            assertEquals(1, link.parent.blocks().blockCount(), "the shared block was not reused");
        }
    }

    @Test
    void shouldGiveLargeValuesAndViewsBlocksOfTheirOwn() throws Exception {
        double[] large = (double[]) ArrayType.DOUBLE.filled((int) (TransferLink.SMALL_VALUE_BYTES / 8) + 1, 5);
        Buffer view = Shape.HEAP.make(BufferType.INT, SMALL_BYTES / 4, 6);
        List<Object> sent = new ArrayList<>(smallArrays(3));
        sent.add(large);
        sent.add(view);
        try (LinkPair link = new LinkPair()) {
            @SuppressWarnings("unchecked")
            List<Object> arrived = (List<Object>) link.toWorker(sent);
            assertSameArray(large, arrived.get(sent.size() - 2), "large array");
            assertSameBuffer(view, arrived.get(sent.size() - 1), "buffer");
            assertTrue(((Buffer) arrived.get(sent.size() - 1)).isDirect(), "the buffer did not arrive as a view");

            List<TableEntry> table = link.lastTable;
            long small = table.get(0).blockId();
            for (int i = 0; i < ArrayType.values().length; i++) {
                assertEquals(small, table.get(i).blockId());
            }
            assertNotEquals(small, table.get(sent.size() - 2).blockId(), "a large array shares the small values' block");
            assertNotEquals(small, table.get(sent.size() - 1).blockId(), "a view shares the small values' block");
            assertEquals(3, blocksOf(table).size());

            long[] done = link.worker.takePeerBlocksDone();
            assertEquals(1, count(done, small));
            assertEquals(1, count(done, table.get(sent.size() - 2).blockId()));
            assertEquals(0, count(done, table.get(sent.size() - 1).blockId()), "the view's block went back while it lives");
            link.workerReceipt.endLeases();
            assertEquals(1, count(link.worker.takePeerBlocksDone(), table.get(sent.size() - 1).blockId()));
        }
    }

    @Test
    void shouldTakeABlockOfItsOwnForASingleSmallValue() throws Exception {
        try (LinkPair link = new LinkPair()) {
            Object one = ArrayType.LONG.filled(SMALL_BYTES / 8, 7);
            assertSameArray(one, ((List<?>) link.toWorker(List.of(one, "text"))).get(0), "one small array");
            assertEquals(Progress.BYTES, link.lastTable.get(0).offset());
        }
    }

    /** Decoding stops at {@code unreadable}: the values after it are never reached. */
    private static void assertBlockBackOnceAfterFailure(LinkPair link, List<Object> sent) throws Exception {
        assertThrows(IOException.class, () -> link.toWorker(sent));
        long block = link.lastTable.get(0).blockId();
        assertEquals(1, blocksOf(link.lastTable).size());
        assertEquals(1, count(link.worker.takePeerBlocksDone(), block),
            "a block of values never reached was not given back exactly once");
    }

    @Test
    void shouldGiveTheBlockBackOnceWhenDecodingStopsBeforeItsValues() throws Exception {
        List<Object> sent = new ArrayList<>();
        sent.add(new PoolTransferCleanupTest.Unreadable());
        sent.addAll(smallArrays(8));
        try (LinkPair link = new LinkPair()) {
            assertBlockBackOnceAfterFailure(link, sent);
        }
    }

    @Test
    void shouldGiveTheBlockBackOnceWhenDecodingStopsAmongItsValues() throws Exception {
        List<Object> sent = new ArrayList<>(smallArrays(9));
        sent.add(3, new PoolTransferCleanupTest.Unreadable());
        try (LinkPair link = new LinkPair()) {
            assertBlockBackOnceAfterFailure(link, sent);
        }
    }

    @Test
    void shouldDeliverSmallValuesWhileTheSenderStillCopies() throws Exception {
        List<Object> sent = smallArrays(10);
        try (LinkPair link = new LinkPair()) {
            Payload payload = PayloadEncoder.encode(sent, link.threshold, null);
            TransferLink.Staged staged = link.parent.stage(payload);
            CompletableFuture<Object> received = CompletableFuture.supplyAsync(() -> {
                try {
                    return link.worker.decode(payload.stream(), staged.table(), link.workerReceipt);
                } catch (IOException | ClassNotFoundException e) {
                    throw new IllegalStateException(e);
                }
            });
            // the receiver waits at the first value's word until the sender copies
            Thread.sleep(50);
            assertFalse(received.isDone(), "the receiver read values that were not copied in yet");
            staged.copyIn();
            @SuppressWarnings("unchecked")
            List<Object> arrived = (List<Object>) received.get(60, TimeUnit.SECONDS);
            for (int i = 0; i < sent.size(); i++) {
                assertSameArray(sent.get(i), arrived.get(i), "value " + i);
            }
        }
    }

    @Test
    void shouldRefuseAValueWithNoRoomForItsProgressWordBeforeIt() {
        Mapping block = Mapping.create(SegmentNames.generate(), 4096, SegmentDescriptor.TYPE_RAW, 4096);
        try {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> Progress.of(block, Progress.BYTES - 8, () -> false));
            assertTrue(refused.getMessage().contains("no room for its progress word"), refused.getMessage());
        } finally {
            block.close();
        }
    }
}
