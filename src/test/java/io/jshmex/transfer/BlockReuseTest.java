package io.jshmex.transfer;

import static io.jshmex.transfer.TestValues.assertSameArray;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.shm.MappedMemory;
import io.jshmex.testing.Gc;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.ShmFiles;
import io.jshmex.transfer.TestValues.ArrayType;
import io.jshmex.transfer.TestValues.BufferType;
import io.jshmex.transfer.TestValues.Shape;
import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Transfer memory is made once and reused: a fresh segment costs a page fault per 4 KiB, a block
 * used before costs a copy. A block's name is gone as soon as the receiver has it mapped.
 */
class BlockReuseTest extends LeakCheckedTest {
    private static final int N = 100_000;

    @ParameterizedTest
    @EnumSource(ArrayType.class)
    void shouldReuseTheSameBlockForArraysOnceNoticesArePassed(ArrayType type) throws Exception {
        try (LinkPair link = new LinkPair()) {
            Object first = type.filled(N, 0);
            assertSameArray(first, link.toWorker(first), "first transfer");
            String firstBlock = link.lastTable.get(0).name();
            link.exchangeNotices();
            int blocks = link.parent.blocks().blockCount();
            long capacity = link.parent.blocks().capacityBytes();

            for (int i = 1; i <= 10; i++) {
                Object sent = type.filled(N, i);
                assertSameArray(sent, link.toWorker(sent), "transfer " + i);
                assertEquals(firstBlock, link.lastTable.get(0).name(), "transfer " + i + " went through another block");
                link.exchangeNotices();
                assertEquals(blocks, link.parent.blocks().blockCount(), "blocks after transfer " + i);
                assertEquals(capacity, link.parent.blocks().capacityBytes(), "block bytes after transfer " + i);
            }
        }
    }

    @Test
    void shouldReuseTheWorkersBlockForResultArrays() throws Exception {
        try (LinkPair link = new LinkPair()) {
            Set<String> blocks = new HashSet<>();
            for (int i = 0; i < 11; i++) {
                double[] result = (double[]) ArrayType.DOUBLE.filled(N, i);
                assertSameArray(result, link.toParent(result), "result " + i);
                blocks.add(link.lastTable.get(0).name());
                link.exchangeNotices();
            }
            assertEquals(1, blocks.size(), "result blocks: " + blocks);
            assertEquals(1, link.worker.blocks().blockCount());
        }
    }

    @Test
    void shouldNotReuseABlockWhoseArrayWasNotCopiedOutYet() throws Exception {
        try (LinkPair link = new LinkPair()) {
            Object first = ArrayType.DOUBLE.filled(N, 1);
            link.toWorker(first);
            String firstBlock = link.lastTable.get(0).name();
            // no notices passed: for the parent the worker may still be reading
            Object second = ArrayType.DOUBLE.filled(N, 2);
            assertSameArray(second, link.toWorker(second), "second transfer");
            assertNotEquals(firstBlock, link.lastTable.get(0).name());
            assertEquals(2, link.parent.blocks().blockCount());
        }
    }

    @Test
    void shouldUnlinkBlockNameWhenFirstReceivedAndKeepItMappedForReuse() throws Exception {
        try (LinkPair link = new LinkPair()) {
            Object sent = ArrayType.LONG.filled(N, 1);
            link.toWorker(sent);
            String name = link.lastTable.get(0).name();
            assertFalse(ShmFiles.exists(name), name + " is still in /dev/shm after the receiver mapped it");
            assertTrue(ShmFiles.mappedHere(name), name + " is not mapped any more");
            link.exchangeNotices();
            assertSameArray(sent, link.toWorker(ArrayType.LONG.filled(N, 1)), "through the unlinked block");
            assertEquals(name, link.lastTable.get(0).name());
        }
    }

    @Test
    void shouldReuseBlockOfABufferWhoseLeaseEnded() throws Exception {
        try (LinkPair link = new LinkPair()) {
            Buffer sent = Shape.HEAP.make(BufferType.DOUBLE, N, 1);
            DoubleBuffer atWorker = (DoubleBuffer) link.toWorker(sent);
            String block = link.lastTable.get(0).name();
            assertTrue(atWorker.isDirect());
            assertEquals(sent, atWorker);

            link.workerReceipt.endLeases();
            for (int i = 0; i < N; i += 997) {
                assertEquals(0.0, atWorker.get(i), "a buffer whose lease ended still reads the block at " + i);
            }
            link.exchangeNotices();
            int blocks = link.parent.blocks().blockCount();
            for (int i = 2; i < 12; i++) {
                Buffer next = Shape.HEAP.make(BufferType.DOUBLE, N, i);
                assertEquals(next, link.toWorker(next), "transfer " + i);
                assertEquals(block, link.lastTable.get(0).name(), "transfer " + i + " went through another block");
                link.workerReceipt.endLeases();
                link.exchangeNotices();
                assertEquals(blocks, link.parent.blocks().blockCount());
            }
        }
    }

    @Test
    void shouldGiveBlockBackWhenTheReceivedBufferIsCollected() throws Exception {
        try (LinkPair link = new LinkPair()) {
            DoubleBuffer result = (DoubleBuffer) link.toParent(Shape.HEAP.make(BufferType.DOUBLE, N, 1));
            long id = link.lastTable.get(0).blockId();
            String block = link.lastTable.get(0).name();
            assertEquals(Shape.HEAP.make(BufferType.DOUBLE, N, 1), result);
            result = null;

            List<Long> done = new ArrayList<>();
            assertTrue(Gc.until(() -> {
                for (long each : link.parent.takePeerBlocksDone()) {
                    done.add(each);
                }
                return !done.isEmpty();
            }), "the collected buffer never gave its block back");
            assertEquals(List.of(id), done);
            link.worker.applyNotices(done.stream().mapToLong(Long::longValue).toArray(), new long[0]);

            Buffer next = Shape.HEAP.make(BufferType.DOUBLE, N, 2);
            assertEquals(next, link.toParent(next));
            assertEquals(block, link.lastTable.get(0).name(), "the free block was not reused");
            assertEquals(1, link.worker.blocks().blockCount());
        }
    }

    @Test
    void shouldLetTheReceiverForgetATrimmedBlock() throws Exception {
        try (LinkPair link = new LinkPair()) {
            Object sent = ArrayType.DOUBLE.filled(N, 1);
            link.toWorker(sent);
            String name = link.lastTable.get(0).name();
            link.exchangeNotices();
            assertTrue(ShmFiles.mappedHere(name));

            assertEquals(1, link.parent.blocks().trim(true));
            assertEquals(0, link.parent.blocks().blockCount());
            link.exchangeNotices();
            assertTrue(Gc.until(() -> !ShmFiles.mappedHere(name)), "the receiver still maps the dropped block " + name);

            assertSameArray(sent, link.toWorker(ArrayType.DOUBLE.filled(N, 1)), "through a new block");
            assertNotEquals(name, link.lastTable.get(0).name());
        }
    }

    @Test
    void shouldHoldNoMappedMemoryAfterBothEndsClose() throws Exception {
        long before = MappedMemory.mappedBytes();
        try (LinkPair link = new LinkPair()) {
            for (int i = 0; i < 5; i++) {
                link.toWorker(ArrayType.DOUBLE.filled(N, i));
                link.toParent(ArrayType.INT.filled(N, i));
                link.exchangeNotices();
            }
            assertTrue(MappedMemory.mappedBytes() > before);
        }
        assertTrue(Gc.until(() -> MappedMemory.mappedBytes() <= before),
            "mapped bytes " + MappedMemory.mappedBytes() + ", before " + before);
    }
}
