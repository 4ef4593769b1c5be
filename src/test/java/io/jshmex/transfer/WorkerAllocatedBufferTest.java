package io.jshmex.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.NativeShm;
import io.jshmex.testing.Gc;
import io.jshmex.testing.LeakCheckedTest;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What NativeShm.doubles(n) hands a task in a worker: memory from the worker's own pooled blocks,
 * which goes to the parent by reference (no copy) and comes back to the pool once the parent
 * lets go of it, explicitly or through its garbage collector.
 */
class WorkerAllocatedBufferTest extends LeakCheckedTest {
    private static final int N = 10_000;

    private static DoubleBuffer allocateInWorker(LinkPair link, int n, double first) {
        ByteBuffer bytes = link.worker.blocks().allocateLocal(n * 8L);
        DoubleBuffer values = bytes.asDoubleBuffer();
        for (int i = 0; i < n; i++) {
            values.put(i, first + i);
        }
        return values;
    }

    private static void assertValues(DoubleBuffer buffer, int from, int n, double first, String what) {
        for (int i = 0; i < n; i++) {
            if (buffer.get(from + i) != first + i) {
                throw new AssertionError(what + ": element " + (from + i) + " is " + buffer.get(from + i) + ", expected "
                    + (first + i));
            }
        }
    }

    /** Moves the notices until the worker's block comes back, as the GC and the next messages would. */
    private static boolean collectUntilWorkerBlockFree(LinkPair link) {
        List<Long> done = new ArrayList<>();
        return Gc.until(() -> {
            for (long id : link.parent.takePeerBlocksDone()) {
                done.add(id);
            }
            if (done.isEmpty()) {
                return false;
            }
            link.worker.applyNotices(done.stream().mapToLong(Long::longValue).toArray(), new long[0]);
            return true;
        });
    }

    @Test
    void shouldSendWorkerAllocatedBufferByReferenceToItsBlock() throws Exception {
        try (LinkPair link = new LinkPair()) {
            DoubleBuffer made = allocateInWorker(link, N, 1);
            DoubleBuffer result = (DoubleBuffer) link.toParent(made);
            TableEntry entry = link.lastTable.get(0);
            assertFalse(entry.named());
            assertTrue(entry.blockId() >= 0);
            assertEquals(1, link.worker.blocks().blockCount(), "sending the buffer took a second block");
            assertTrue(result.isDirect());
            assertEquals(N, result.capacity());
            assertValues(result, 0, N, 1, "result");
        }
    }

    @Test
    void shouldZeroResultOnReleaseAndReuseTheWorkersBlock() throws Exception {
        try (LinkPair link = new LinkPair()) {
            String block = null;
            for (int round = 0; round < 20; round++) {
                DoubleBuffer result = (DoubleBuffer) link.toParent(allocateInWorker(link, N, round * 100_000));
                if (block == null) {
                    block = link.lastTable.get(0).name();
                }
                assertEquals(block, link.lastTable.get(0).name(), "round " + round + " used another block");
                assertValues(result, 0, N, round * 100_000, "round " + round);

                assertTrue(NativeShm.release(result));
                for (int i = 0; i < N; i += 101) {
                    assertEquals(0.0, result.get(i), "a released result still reads the block");
                }
                link.exchangeNotices();
                assertEquals(1, link.worker.blocks().blockCount());
            }
        }
    }

    @Test
    void shouldHandOutZeroedMemoryFromAReusedBlock() throws Exception {
        try (LinkPair link = new LinkPair()) {
            NativeShm.release((DoubleBuffer) link.toParent(allocateInWorker(link, N, 1)));
            link.exchangeNotices();
            DoubleBuffer again = link.worker.blocks().allocateLocal(N * 8L).asDoubleBuffer();
            assertEquals(1, link.worker.blocks().blockCount());
            for (int i = 0; i < N; i++) {
                assertEquals(0.0, again.get(i), "reused memory not zeroed at " + i);
            }
        }
    }

    /**
     * A task may return several views of one allocation (two halves, a buffer and its duplicate):
     * one block, several buffers at the parent. The block may go back to the worker only when the
     * parent has let go of all of them, else the worker's next allocation overwrites a live result.
     */
    @Test
    void shouldKeepBlockWhileAnyOfSeveralViewsOfItIsAlive() throws Exception {
        try (LinkPair link = new LinkPair()) {
            DoubleBuffer made = allocateInWorker(link, 2 * N, 1);
            Object[] halves = (Object[]) link.toParent(new Object[] {made.slice(0, N), made.slice(N, N)});
            assertEquals(2, link.lastTable.size());
            assertEquals(link.lastTable.get(0).blockId(), link.lastTable.get(1).blockId());
            DoubleBuffer second = (DoubleBuffer) halves[1];
            assertValues(second, 0, N, 1 + N, "second half on arrival");
            halves[0] = null;

            boolean returned = collectUntilWorkerBlockFree(link);
            DoubleBuffer next = allocateInWorker(link, 2 * N, -1_000_000);
            assertValues(second, 0, N, 1 + N, "second half after the first was collected (block returned early: "
                + returned + ", worker blocks: " + link.worker.blocks().blockCount() + ")");
            assertEquals(-1_000_000.0, next.get(0));
        }
    }

    /**
     * Releasing one of two views of a block retires the block's memory for both (documented); the
     * other view, collected later, must not hand the block back a second time, when the worker may
     * already have sent it again with another result.
     */
    @Test
    void shouldNotReturnABlockTwiceWhenTheOtherViewIsCollectedAfterRelease() throws Exception {
        try (LinkPair link = new LinkPair()) {
            DoubleBuffer made = allocateInWorker(link, 2 * N, 1);
            Object[] halves = (Object[]) link.toParent(new Object[] {made.slice(0, N), made.slice(N, N)});
            NativeShm.release((DoubleBuffer) halves[1]);
            link.exchangeNotices();

            DoubleBuffer result = (DoubleBuffer) link.toParent(allocateInWorker(link, 2 * N, 500_000));
            assertEquals(1, link.worker.blocks().blockCount(), "the released block was not reused");
            assertValues(result, 0, 2 * N, 500_000, "the later result on arrival");

            halves[0] = null;
            collectUntilWorkerBlockFree(link);
            DoubleBuffer next = allocateInWorker(link, 2 * N, -1_000_000);
            assertValues(result, 0, 2 * N, 500_000, "the later result after an old view was collected");
            assertEquals(-1_000_000.0, next.get(0));
        }
    }
}
