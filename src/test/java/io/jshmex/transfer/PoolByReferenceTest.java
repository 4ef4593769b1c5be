package io.jshmex.transfer;

import static io.jshmex.transfer.PoolSupport.get;
import static io.jshmex.transfer.PoolSupport.oneWorker;
import static io.jshmex.transfer.PoolSupport.segmentOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.NativeShm;
import io.jshmex.ProcessPoolExecutor;
import io.jshmex.SerializableFunction;
import io.jshmex.ShmSegment;
import io.jshmex.shm.MappedMemory;
import io.jshmex.testing.BufferKind;
import io.jshmex.testing.Gc;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.ShmFiles;
import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Buffers made by NativeShm travel by name: a task writes into the caller's memory, and a buffer
 * a task allocates reaches the caller without a copy, from worker memory that is reused.
 */
class PoolByReferenceTest extends LeakCheckedTest {
    private static final int N = 100_000;

    static DoubleBuffer filledInWorker(int n, double first) {
        DoubleBuffer b = NativeShm.doubles(n);
        for (int i = 0; i < n; i++) {
            b.put(i, first + i);
        }
        return b;
    }

    private static void assertValues(DoubleBuffer buffer, int from, int n, double first, String what) {
        for (int i = 0; i < n; i++) {
            if (buffer.get(from + i) != first + i) {
                throw new AssertionError(what + ": element " + (from + i) + " is " + buffer.get(from + i)
                    + ", expected " + (first + i));
            }
        }
    }

    @Test
    void shouldLetTaskWriteIntoNativeShmBufferOfEveryKind() throws Exception {
        try (ProcessPoolExecutor pool = oneWorker()) {
            for (BufferKind kind : BufferKind.values()) {
                for (int n : new int[] {10, N}) {
                    Buffer buffer = kind.allocate(n);
                    kind.put(buffer, 0, 5);
                    SerializableFunction<Buffer, Double> writeAll = b -> {
                        double before = kind.get(b, 0);
                        for (int i = 0; i < b.capacity(); i++) {
                            kind.put(b, i, i % 100 + 1);
                        }
                        return before;
                    };
                    assertEquals(5.0, get(pool.submit(writeAll, buffer)), kind + ": the task did not see the caller's data");
                    for (int i = 0; i < n; i++) {
                        if (kind.get(buffer, i) != i % 100 + 1) {
                            throw new AssertionError(kind + "[" + n + "]: the task's write at " + i + " is not in the caller's buffer");
                        }
                    }
                    NativeShm.release(buffer);
                }
            }
        }
    }

    @Test
    void shouldLeaveUserNamedSegmentInPlaceAfterTasksUseIt() throws Exception {
        String name = PoolSupport.userSegmentName("arg");
        try (ShmSegment segment = NativeShm.create(name, 8L * N); ProcessPoolExecutor pool = oneWorker()) {
            DoubleBuffer view = segment.asDoubleBuffer();
            for (int i = 0; i < N; i++) {
                view.put(i, 1);
            }
            SerializableFunction<DoubleBuffer, Double> sumAndIncrement = b -> {
                double sum = 0;
                for (int i = 0; i < b.capacity(); i++) {
                    sum += b.get(i);
                    b.put(i, b.get(i) + 1);
                }
                return sum;
            };
            for (int round = 1; round <= 3; round++) {
                assertEquals((double) round * N, get(pool.submit(sumAndIncrement, view)), "round " + round);
                assertTrue(NativeShm.list().contains(name), "the user's segment is gone after round " + round);
                assertTrue(ShmFiles.exists(name));
                try (ShmSegment attached = NativeShm.attach(name)) {
                    assertEquals(round + 1.0, attached.asDoubleBuffer().get(N - 1));
                }
            }
            assertEquals(4.0, view.get(0));
        }
        assertFalse(ShmFiles.exists(name));
    }

    @Test
    void shouldReceiveBufferAllocatedByTaskAsDirectAndReadZerosAfterRelease() throws Exception {
        try (ProcessPoolExecutor pool = oneWorker()) {
            DoubleBuffer result = get(pool.submit(() -> filledInWorker(N, 1)));
            assertTrue(result.isDirect());
            assertEquals(N, result.capacity());
            assertValues(result, 0, N, 1, "result");
            assertNotNull(segmentOf(result), "the result is not in shared memory");

            assertTrue(NativeShm.release(result));
            for (int i = 0; i < N; i += 37) {
                assertEquals(0.0, result.get(i), "a released result still reads the worker's memory at " + i);
            }
            result.put(0, 3);
            assertEquals(42.0, get(pool.submit(() -> filledInWorker(10, 42)).thenApply(b -> b.get(0))));
        }
    }

    @Test
    void shouldReuseWorkerMemoryForTaskAllocationsReleasedByTheCaller() throws Exception {
        PoolSupport.ShmWatch watch = new PoolSupport.ShmWatch();
        try (ProcessPoolExecutor pool = oneWorker()) {
            Set<String> blocks = new HashSet<>();
            long mappedAfterFirst = -1;
            int mostListed = 0;
            for (int round = 0; round < 20; round++) {
                double first = round * 1_000_000.0;
                DoubleBuffer result = get(pool.submit(() -> filledInWorker(N, first)));
                assertValues(result, 0, N, first, "round " + round);
                blocks.add(segmentOf(result));
                mostListed = Math.max(mostListed, watch.appeared().size());
                assertTrue(NativeShm.release(result));
                if (round == 0) {
                    mappedAfterFirst = MappedMemory.mappedBytes();
                }
            }
            assertTrue(blocks.size() <= 2, "20 released results came through " + blocks.size() + " segments: " + blocks);
            assertTrue(mostListed <= 2, "up to " + mostListed + " segments in /dev/shm during the loop");
            assertTrue(MappedMemory.mappedBytes() <= mappedAfterFirst,
                "mapped bytes grew from " + mappedAfterFirst + " to " + MappedMemory.mappedBytes());
            watch.assertOnly(Set.of(), "after the loop");
        }
    }

    @Test
    void shouldReturnNativeShmArgumentSharingTheCallersMemory() throws Exception {
        DoubleBuffer mine = NativeShm.doubles(N);
        mine.put(0, 1);
        try (ProcessPoolExecutor pool = oneWorker()) {
            SerializableFunction<DoubleBuffer, DoubleBuffer> touchAndReturn = b -> b.put(1, 2);
            DoubleBuffer back = get(pool.submit(touchAndReturn, mine));
            assertEquals(2.0, mine.get(1));
            assertEquals(1.0, back.get(0));
            back.put(2, 3);
            assertEquals(3.0, mine.get(2), "the returned buffer is a copy, not the caller's memory");
        } finally {
            NativeShm.release(mine);
        }
    }

    /**
     * A task that hands back the caller's own NativeShm buffer gives the caller a second view of
     * that memory. Once the caller has released its buffer and dropped the view, the memory must be
     * unmapped, as for any buffer, not kept by the pool for as long as it lives.
     */
    @Test
    void shouldNotKeepCallersSegmentsMappedAfterTheyAreReleasedAndDropped() throws Exception {
        try (ProcessPoolExecutor pool = oneWorker()) {
            Set<String> released = new HashSet<>();
            for (int round = 0; round < 5; round++) {
                released.add(passBackAndRelease(pool));
            }
            Gc.until(() -> released.stream().noneMatch(ShmFiles::mappedHere));
            assertEquals(Set.of(), released.stream().filter(ShmFiles::mappedHere).collect(Collectors.toSet()),
                "released and unreachable segments still mapped while the pool lives");
        }
    }

    /** In a method of its own, so that no stale local of the caller keeps a view reachable. */
    private static String passBackAndRelease(ProcessPoolExecutor pool) throws Exception {
        SerializableFunction<DoubleBuffer, DoubleBuffer> touchAndReturn = b -> b.put(0, 1);
        DoubleBuffer mine = NativeShm.doubles(N);
        String name = segmentOf(mine);
        DoubleBuffer back = get(pool.submit(touchAndReturn, mine));
        assertEquals(1.0, back.get(0));
        assertTrue(NativeShm.release(mine));
        return name;
    }

    /**
     * A task may return several views of one allocation. The worker may reuse that memory only
     * once the caller has let go of every one of them.
     */
    @Test
    void shouldKeepTaskAllocationAliveWhileAnyOfItsViewsIsReachable() throws Exception {
        try (ProcessPoolExecutor pool = oneWorker()) {
            Object[] halves = get(pool.submit(() -> {
                DoubleBuffer all = filledInWorker(2 * N, 1);
                return new Object[] {all.slice(0, N), all.slice(N, N)};
            }));
            DoubleBuffer second = (DoubleBuffer) halves[1];
            assertValues(second, 0, N, 1 + N, "second half on arrival");
            halves[0] = null;
            halves = null;
            Gc.settle();

            DoubleBuffer other = get(pool.submit(() -> filledInWorker(2 * N, -1_000_000)));
            assertEquals(-1_000_000.0, other.get(0));
            assertValues(second, 0, N, 1 + N, "second half after the first half was collected and another task ran");
        }
    }
}
