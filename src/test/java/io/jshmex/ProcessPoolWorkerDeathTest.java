package io.jshmex;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.PoolTestSupport;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A worker that dies fails only its own task; the pool replaces it and goes on. */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessPoolWorkerDeathTest extends LeakCheckedTest {

    private static long pid() {
        return ProcessHandle.current().pid();
    }

    private static WorkerDiedException deathOf(Future<?> future) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(30, SECONDS));
        return assertInstanceOf(WorkerDiedException.class, e.getCause());
    }

    /** The next task runs, in a new worker. */
    private static void assertReplaced(ProcessPoolExecutor pool, long dead) throws Exception {
        long next = pool.submit(ProcessPoolWorkerDeathTest::pid).get(30, SECONDS);
        assertNotEquals(dead, next, "the dead worker's pid came back");
        assertTrue(PoolTestSupport.isAlive(next));
    }

    @Test
    void shouldFailOnlyTheTaskOfAWorkerThatCallsSystemExit() throws Exception {
        try (var pool = new ProcessPoolExecutor(1)) {
            long worker = pool.submit(ProcessPoolWorkerDeathTest::pid).get(30, SECONDS);

            WorkerDiedException died = deathOf(pool.submit(() -> System.exit(7)));

            assertEquals(7, died.exitCode());
            assertEquals(0, died.signal());
            assertEquals(worker, died.pid());
            assertTrue(died.getMessage().contains(Long.toString(worker)), died.getMessage());
            assertReplaced(pool, worker);
        }
    }

    @Test
    void shouldFailOnlyTheTaskOfAWorkerThatHalts() throws Exception {
        try (var pool = new ProcessPoolExecutor(1)) {
            long worker = pool.submit(ProcessPoolWorkerDeathTest::pid).get(30, SECONDS);

            WorkerDiedException died = deathOf(pool.submit(() -> Runtime.getRuntime().halt(3)));

            assertEquals(3, died.exitCode());
            assertEquals(worker, died.pid());
            assertReplaced(pool, worker);
        }
    }

    @Test
    void shouldReportTheSignalOfAWorkerKilledFromOutside(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("pid");
        try (var pool = new ProcessPoolExecutor(1)) {
            Future<Long> future = pool.submit(PoolTestSupport.writePidThenSleep(pidFile, 120_000));
            long worker = PoolTestSupport.awaitPid(pidFile);

            ProcessHandle.of(worker).orElseThrow().destroyForcibly();

            WorkerDiedException died = deathOf(future);
            assertEquals(9, died.signal(), died.getMessage());
            assertEquals(worker, died.pid());
            assertTrue(died.getMessage().contains(Long.toString(worker)), died.getMessage());
            assertReplaced(pool, worker);
        }
    }

    @Test
    void shouldReportAWorkerThatRanOutOfHeap() throws Exception {
        try (var pool = ProcessPoolExecutor.builder().maxWorkers(1).jvmArgs("-Xmx32m").build()) {
            long worker = pool.submit(ProcessPoolWorkerDeathTest::pid).get(30, SECONDS);

            WorkerDiedException died = deathOf(pool.submit(() -> new long[100_000_000].length));

            assertEquals(3, died.exitCode(), died.getMessage());
            assertTrue(died.getMessage().contains("OutOfMemoryError") || died.getMessage().contains("-Xmx"),
                died.getMessage());
            assertReplaced(pool, worker);
        }
    }

    private static final String STALL_PROPERTY = "pooltest.stallMarker";

    /**
     * A row of a result. Packing the rows into shared memory calls the accessors after the reply
     * has gone to the parent, so the one row below holds the worker in the middle of returning
     * its result: it reports the worker's pid through the marker file and sleeps.
     */
    record Sample(long id, double value) implements Serializable {
        static final long STALLING_ROW = 50_000;

        @Override
        public long id() {
            String marker = System.getProperty(STALL_PROPERTY);
            if (marker != null && id == STALLING_ROW) {
                try {
                    PoolTestSupport.writeAtomically(Path.of(marker), Long.toString(ProcessHandle.current().pid()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                PoolTestSupport.sleep(120_000);
            }
            return id;
        }
    }

    private static Sample[] samples() {
        Sample[] rows = new Sample[100_000];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new Sample(i, i * 0.5);
        }
        return rows;
    }

    @Test
    void shouldReportAWorkerKilledWhileReturningItsResultAsDead(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("returning");
        try (var pool = ProcessPoolExecutor.builder().maxWorkers(1)
                .jvmArgs("-D" + STALL_PROPERTY + "=" + marker).build()) {
            Future<Sample[]> future = pool.submit(ProcessPoolWorkerDeathTest::samples);
            long worker = PoolTestSupport.awaitPid(marker);

            ProcessHandle.of(worker).orElseThrow().destroyForcibly();

            ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(30, SECONDS));
            WorkerDiedException died = assertInstanceOf(WorkerDiedException.class, e.getCause(),
                "a worker killed while returning its result is reported as: " + e.getCause());
            assertEquals(worker, died.pid());
            assertEquals(9, died.signal());
            assertReplaced(pool, worker);
        }
    }

    @Test
    void shouldRunTheTasksQueuedBehindADyingOne() throws Exception {
        try (var pool = new ProcessPoolExecutor(1)) {
            Future<?> dying = pool.submit(() -> System.exit(5));
            Future<String> second = pool.submit(() -> "second");
            Future<String> third = pool.submit(() -> "third");

            assertEquals(5, deathOf(dying).exitCode());
            assertEquals("second", second.get(30, SECONDS));
            assertEquals("third", third.get(30, SECONDS));
        }
    }
}
