package io.jshmex.transfer;

import static io.jshmex.transfer.PoolSupport.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.ProcessPoolExecutor;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.PoolTestSupport;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * While two slots copy large arrays without pause, threads that allocate hard and need collection
 * after collection must get their memory, the slots' own 32 MB arrays included: no
 * OutOfMemoryError, and every value arrives intact. (A native copy from arrays pinned with
 * GetPrimitiveArrayCritical failed this within seconds on JDK 17: "Retried waiting for GCLocker
 * too often allocating 4194306 words" in a slot decoding its result. Heap arrays are copied by
 * the JDK for that reason.)
 */
class CopyUnderGcPressureTest extends LeakCheckedTest {
    private static final int DOUBLES = 4 << 20;
    private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(5);

    @Test
    void shouldLetAllocatingThreadsCollectWhileSlotsCopyPinnedArrays() throws Exception {
        long collectionsBefore = collections();
        AtomicBoolean copying = new AtomicBoolean(true);
        ExecutorService threads = Executors.newFixedThreadPool(5);
        try (ProcessPoolExecutor pool = ProcessPoolExecutor.builder().maxWorkers(2).build()) {
            pool.prestartAllWorkers();
            List<Future<Long>> allocators = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                allocators.add(threads.submit(() -> allocateUntil(copying)));
            }
            List<Future<Integer>> senders = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int seed = t;
                senders.add(threads.submit(() -> roundTrips(pool, seed)));
            }
            int roundTrips = 0;
            for (Future<Integer> sender : senders) {
                roundTrips += sender.get(2, TimeUnit.MINUTES);
            }
            copying.set(false);
            long allocated = 0;
            for (Future<Long> allocator : allocators) {
                allocated += allocator.get(1, TimeUnit.MINUTES);
            }
            long collections = collections() - collectionsBefore;
            System.out.printf("%d round trips of 32 MB, %d collections, %.1f GB allocated beside them%n", roundTrips,
                collections, allocated / 1e9);
            assertTrue(roundTrips >= 4, "only " + roundTrips + " round trips of 32 MB in 5 s");
            assertTrue(collections >= 5, "only " + collections + " collections while copying: the test proves nothing");
            assertTrue(allocated > 0, "the allocating threads allocated nothing");
        } finally {
            copying.set(false);
            threads.shutdownNow();
            assertTrue(threads.awaitTermination(1, TimeUnit.MINUTES), "test threads still running");
        }
    }

    /** Round trips of a 32 MB array for {@link #RUN_NANOS}, each checked element by element. */
    private static int roundTrips(ProcessPoolExecutor pool, int seed) throws Exception {
        double[] sent = new double[DOUBLES];
        for (int i = 0; i < DOUBLES; i++) {
            sent[i] = i * 0.5 + seed;
        }
        int rounds = 0;
        long end = System.nanoTime() + RUN_NANOS;
        while (System.nanoTime() < end) {
            double[] back = get(pool.submit(PoolTestSupport::plusOne, sent));
            for (int i = 0; i < DOUBLES; i++) {
                if (back[i] != sent[i] + 1) {
                    assertEquals(sent[i] + 1, back[i], "element " + i + " of round " + rounds);
                }
            }
            rounds++;
        }
        return rounds;
    }

    /**
     * Allocates 256 KiB arrays, keeping the last 64 MiB of them alive so that each collection has
     * work to do, until told to stop; returns how many bytes it allocated. An OutOfMemoryError
     * fails the test through the future.
     */
    private static long allocateUntil(AtomicBoolean running) {
        byte[][] window = new byte[256][];
        long allocated = 0;
        for (int i = 0; running.get(); i++) {
            window[i % window.length] = new byte[256 << 10];
            allocated += 256 << 10;
        }
        return allocated;
    }

    private static long collections() {
        long count = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
        }
        return count;
    }
}
