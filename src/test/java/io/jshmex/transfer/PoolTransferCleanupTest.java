package io.jshmex.transfer;

import static io.jshmex.transfer.PoolSupport.failure;
import static io.jshmex.transfer.PoolSupport.get;
import static io.jshmex.transfer.PoolSupport.oneWorker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.NativeShm;
import io.jshmex.ProcessPoolExecutor;
import io.jshmex.SerializableFunction;
import io.jshmex.TaskStep;
import io.jshmex.TaskTransferException;
import io.jshmex.WorkerDiedException;
import io.jshmex.shm.MappedMemory;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.PoolTestSupport;
import io.jshmex.transfer.TestValues.ArrayType;
import io.jshmex.transfer.TestValues.BufferType;
import io.jshmex.transfer.TestValues.Shape;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.nio.DoubleBuffer;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * However a task with large arrays ends (it throws, its result cannot be moved, it is cancelled,
 * refused, or its worker is killed mid-transfer), no segment is left and the pool goes on.
 */
class PoolTransferCleanupTest extends LeakCheckedTest {
    private static final int N = 200_000;
    /** 100 MB of doubles. */
    private static final int HUNDRED_MB = 12_500_000;

    static double sum(double[] values) {
        return Arrays.stream(values).sum();
    }

    /** Waits in the worker until the caller kills it; tells the caller through by-name memory that it runs. */
    static double holdUntilKilled(DoubleBuffer started, double[] big) throws InterruptedException {
        started.put(0, 1);
        Thread.sleep(120_000);
        return big[0];
    }

    private static void awaitStarted(DoubleBuffer started) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (started.get(0) == 0) {
            assertTrue(System.currentTimeMillis() < deadline, "the task never started");
            Thread.sleep(5);
        }
    }

    /** Proof that the pool still works, with large arrays both ways. */
    private static void assertPoolStillWorks(ProcessPoolExecutor pool) throws Exception {
        double[] ones = new double[N];
        Arrays.fill(ones, 1);
        double[] result = get(pool.submit(PoolTestSupport::plusOne, ones));
        assertEquals(2.0, result[N - 1]);
    }

    @Test
    void shouldLeaveNothingWhenTaskThrowsWhileHoldingArrays() throws Exception {
        PoolSupport.ShmWatch watch = new PoolSupport.ShmWatch();
        double[] big = (double[]) ArrayType.DOUBLE.filled(N, 1);
        try (ProcessPoolExecutor pool = oneWorker()) {
            assertPoolStillWorks(pool);
            long mapped = MappedMemory.mappedBytes();
            for (int round = 0; round < 5; round++) {
                Object[] args = {big, Shape.DIRECT.make(BufferType.DOUBLE, N, 2), ArrayType.LONG.filled(N, 3)};
                SerializableFunction<Object[], Object> boom = a -> {
                    throw new IllegalStateException("boom with " + ((double[]) a[0]).length);
                };
                Throwable cause = failure(pool.submit(boom, args));
                assertTrue(cause instanceof IllegalStateException, "cause: " + cause);
                assertEquals("boom with " + N, cause.getMessage());
                watch.assertOnly(Set.of(), "after failed round " + round);
            }
            assertTrue(MappedMemory.mappedBytes() <= mapped + 3L * 8 * N,
                "the parent's transfer memory grew from " + mapped + " to " + MappedMemory.mappedBytes()
                    + " over failed tasks: their blocks never came back");
            assertPoolStillWorks(pool);
        }
    }

    /** Not Serializable: a result holding it cannot be sent back. */
    static final class Handle {
    }

    static final class Unsendable implements Serializable {
        private static final long serialVersionUID = 1L;
        final double[] data;
        final Object handle;

        Unsendable(double[] data, Object handle) {
            this.data = data;
            this.handle = handle;
        }
    }

    @Test
    void shouldLeaveNothingWhenResultCannotBeSerialized() throws Exception {
        PoolSupport.ShmWatch watch = new PoolSupport.ShmWatch();
        double[] big = (double[]) ArrayType.DOUBLE.filled(N, 1);
        try (ProcessPoolExecutor pool = oneWorker()) {
            for (int round = 0; round < 3; round++) {
                SerializableFunction<double[], Object> unsendable = a -> new Unsendable(a, new Handle());
                Throwable cause = failure(pool.submit(unsendable, big));
                assertTrue(cause instanceof TaskTransferException, "cause: " + cause);
                assertEquals(TaskStep.SEND_RESULT, ((TaskTransferException) cause).step());
                assertTrue(cause.getMessage().contains(Handle.class.getName()), cause.getMessage());
                watch.assertOnly(Set.of(), "after unsendable result " + round);
            }
            assertPoolStillWorks(pool);
        }
    }

    /** Fails whenever it is read back: the receiving side cannot rebuild the graph. */
    static final class Unreadable implements Serializable {
        private static final long serialVersionUID = 1L;

        private void readObject(ObjectInputStream in) throws IOException {
            throw new InvalidObjectException("refuses to be read");
        }
    }

    /**
     * The worker cannot rebuild the task; the large array after the unreadable object was never
     * reached. Its transfer block must still come back to the parent, and its name go.
     */
    @Test
    void shouldLeaveNothingWhenWorkerCannotReadTheTask() throws Exception {
        PoolSupport.ShmWatch watch = new PoolSupport.ShmWatch();
        try (ProcessPoolExecutor pool = oneWorker()) {
            assertPoolStillWorks(pool);
            long mapped = MappedMemory.mappedBytes();
            for (int round = 0; round < 5; round++) {
                Object[] args = {new Unreadable(), ArrayType.DOUBLE.filled(N, round)};
                SerializableFunction<Object[], Object> never = a -> a.length;
                Throwable cause = failure(pool.submit(never, args));
                assertTrue(cause instanceof TaskTransferException, "cause: " + cause);
                assertEquals(TaskStep.RECEIVE_TASK, ((TaskTransferException) cause).step());
                watch.assertOnly(Set.of(), "after the worker could not read task " + round);
            }
            assertTrue(MappedMemory.mappedBytes() <= mapped + 8L * N,
                "the parent's transfer memory grew from " + mapped + " to " + MappedMemory.mappedBytes()
                    + " over tasks the worker could not read: their blocks never came back");
            assertPoolStillWorks(pool);
        }
    }

    /**
     * The parent cannot rebuild the result; the large arrays after the unreadable object were never
     * reached. The worker's blocks must still be given back and their names go.
     */
    @Test
    void shouldLeaveNothingWhenParentCannotReadTheResult() throws Exception {
        PoolSupport.ShmWatch watch = new PoolSupport.ShmWatch();
        try (ProcessPoolExecutor pool = oneWorker()) {
            assertPoolStillWorks(pool);
            for (int round = 0; round < 5; round++) {
                int seed = round;
                Throwable cause = failure(pool.submit(() -> new Object[] {new Unreadable(), ArrayType.DOUBLE.filled(N, seed)}));
                assertTrue(cause instanceof TaskTransferException, "cause: " + cause);
                assertEquals(TaskStep.RECEIVE_RESULT, ((TaskTransferException) cause).step());
                watch.assertOnly(Set.of(), "after the parent could not read result " + round);
            }
            assertPoolStillWorks(pool);
        }
    }

    @Test
    void shouldLeaveNothingWhenRunningTaskWithLargeArraysIsCancelled() throws Exception {
        PoolSupport.ShmWatch watch = new PoolSupport.ShmWatch();
        DoubleBuffer started = NativeShm.doubles(1);
        String flag = PoolSupport.segmentOf(started);
        double[] big = (double[]) ArrayType.DOUBLE.filled(N, 1);
        try (ProcessPoolExecutor pool = oneWorker()) {
            CompletableFuture<Double> running = pool.submit(() -> holdUntilKilled(started, big));
            awaitStarted(started);
            assertTrue(running.cancel(true));
            assertThrows(CancellationException.class, running::join);
            PoolSupport.waitFor("the cancelled task's segments to go",
                () -> watch.appeared().equals(Set.of(flag)));
            assertPoolStillWorks(pool);
        } finally {
            NativeShm.release(started);
        }
    }

    @Test
    void shouldRefuseLargeTaskAfterShutdownAndLeaveNothing() throws Exception {
        PoolSupport.ShmWatch watch = new PoolSupport.ShmWatch();
        double[] big = (double[]) ArrayType.DOUBLE.filled(N, 1);
        ProcessPoolExecutor pool = oneWorker();
        try {
            assertEquals(sum(big), get(pool.submit(PoolTransferCleanupTest::sum, big)));
            pool.shutdown();
            assertThrows(RejectedExecutionException.class, () -> pool.submit(PoolTransferCleanupTest::sum, big));
            assertThrows(RejectedExecutionException.class, () -> pool.submit(() -> sum(big)));
            assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
            assertThrows(RejectedExecutionException.class, () -> pool.submit(PoolTransferCleanupTest::sum, big));
            watch.assertOnly(Set.of(), "after the refused submissions");
        } finally {
            pool.close();
        }
    }

    @Test
    void shouldLeaveNothingWhenWorkerIsKilledWhileHoldingHundredMegabytes() throws Exception {
        PoolSupport.ShmWatch watch = new PoolSupport.ShmWatch();
        DoubleBuffer started = NativeShm.doubles(1);
        String flag = PoolSupport.segmentOf(started);
        double[] big = new double[HUNDRED_MB];
        Arrays.fill(big, 1);
        try (ProcessPoolExecutor pool = oneWorker()) {
            CompletableFuture<Double> running = pool.submit(() -> holdUntilKilled(started, big));
            awaitStarted(started);
            assertEquals(1, PoolSupport.killWorkers());
            Throwable cause = failure(running);
            assertTrue(cause instanceof WorkerDiedException, "cause: " + cause);
            assertEquals(9, ((WorkerDiedException) cause).signal(), cause.getMessage());
            PoolSupport.waitFor("the killed worker's and its task's segments to go",
                () -> watch.appeared().equals(Set.of(flag)));

            double[] result = get(pool.submit(PoolTestSupport::plusOne, big));
            assertEquals(2.0, result[0]);
            assertEquals(2.0, result[HUNDRED_MB - 1]);
        } finally {
            NativeShm.release(started);
        }
    }

    /**
     * Kills the worker at several moments of a 100 MB round trip (the parent copying in, the
     * worker copying out, the worker sending back, the parent copying out): whichever it hits, the
     * task either completes correctly or fails with WorkerDiedException, nothing is left, and the
     * pool goes on.
     */
    @Test
    void shouldLeaveNothingWhenWorkerIsKilledDuringHundredMegabyteTransfers() throws Exception {
        PoolSupport.ShmWatch watch = new PoolSupport.ShmWatch();
        double[] big = new double[HUNDRED_MB];
        Arrays.fill(big, 1);
        int died = 0;
        try (ProcessPoolExecutor pool = oneWorker()) {
            assertPoolStillWorks(pool);
            for (long delayMillis : new long[] {0, 100, 250}) {
                CompletableFuture<double[]> inFlight = pool.submit(PoolTestSupport::plusOne, big);
                Thread.sleep(delayMillis);
                PoolSupport.killWorkers();
                try {
                    double[] result = inFlight.get(120, TimeUnit.SECONDS);
                    assertEquals(2.0, result[0]);
                    assertEquals(2.0, result[HUNDRED_MB - 1]);
                } catch (ExecutionException e) {
                    assertTrue(e.getCause() instanceof WorkerDiedException, "killed after " + delayMillis + " ms: " + e.getCause());
                    died++;
                }
                PoolSupport.waitFor("segments to go after a kill at " + delayMillis + " ms",
                    () -> watch.appeared().isEmpty());
                assertPoolStillWorks(pool);
            }
        }
        assertTrue(died > 0, "no kill hit a transfer");
    }
}
