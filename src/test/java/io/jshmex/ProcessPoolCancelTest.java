package io.jshmex;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.PoolTestSupport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Cancelling and timing out: a running task's worker is killed and replaced. */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessPoolCancelTest extends LeakCheckedTest {

    private static long pid() {
        return ProcessHandle.current().pid();
    }

    private static void touch(String file) {
        try {
            PoolTestSupport.writeAtomically(Path.of(file), "ran");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sleepForever() throws InterruptedException {
        Thread.sleep(120_000);
        return "woke up";
    }

    @Test
    void shouldKillTheWorkerOfACancelledRunningTask(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("pid");
        try (var pool = new ProcessPoolExecutor(1)) {
            Future<Long> future = pool.submit(PoolTestSupport.writePidThenSleep(pidFile, 120_000));
            long worker = PoolTestSupport.awaitPid(pidFile);

            assertTrue(future.cancel(true));

            assertTrue(future.isCancelled());
            assertThrows(CancellationException.class, future::get);
            assertTrue(PoolTestSupport.exitsWithin(worker, Duration.ofSeconds(5)), "worker " + worker + " lives on");
            long next = pool.submit(ProcessPoolCancelTest::pid).get(30, SECONDS);
            assertNotEquals(worker, next);
        }
    }

    @Test
    void shouldNeverRunACancelledQueuedTask(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("pid");
        Path marker = dir.resolve("cancelled-task-ran");
        String markerFile = marker.toString();
        try (var pool = new ProcessPoolExecutor(1)) {
            Future<Long> running = pool.submit(PoolTestSupport.writePidThenSleep(pidFile, 1_000));
            PoolTestSupport.awaitPid(pidFile);
            Future<?> queued = pool.submit(() -> touch(markerFile));

            assertTrue(queued.cancel(false));

            running.get(30, SECONDS);
            assertEquals("after", pool.submit(() -> "after").get(30, SECONDS));
            assertTrue(queued.isCancelled());
            assertFalse(Files.exists(marker), "the cancelled task ran");
        }
    }

    @Test
    void shouldKillTheWorkerOfATaskPastItsOwnTimeout() throws Exception {
        try (var pool = new ProcessPoolExecutor(1)) {
            long worker = pool.submit(ProcessPoolCancelTest::pid).get(30, SECONDS);

            Future<String> slow = pool.submit(ProcessPoolCancelTest::sleepForever, Duration.ofMillis(500));

            ExecutionException e = assertThrows(ExecutionException.class, () -> slow.get(30, SECONDS));
            TaskTimeoutException cause = assertInstanceOf(TaskTimeoutException.class, e.getCause());
            assertEquals(Duration.ofMillis(500), cause.timeout());
            assertTrue(cause.getMessage().contains(Long.toString(worker)), cause.getMessage());
            assertTrue(PoolTestSupport.exitsWithin(worker, Duration.ofSeconds(5)), "worker " + worker + " lives on");
            assertNotEquals(worker, pool.submit(ProcessPoolCancelTest::pid).get(30, SECONDS));
        }
    }

    @Test
    void shouldApplyTheBuildersTaskTimeoutToEveryTask() throws Exception {
        try (var pool = ProcessPoolExecutor.builder().maxWorkers(1).taskTimeout(Duration.ofSeconds(1)).build()) {
            long worker = pool.submit(ProcessPoolCancelTest::pid).get(30, SECONDS);

            Future<String> slow = pool.submit(ProcessPoolCancelTest::sleepForever);

            ExecutionException e = assertThrows(ExecutionException.class, () -> slow.get(30, SECONDS));
            assertInstanceOf(TaskTimeoutException.class, e.getCause());
            assertTrue(PoolTestSupport.exitsWithin(worker, Duration.ofSeconds(5)), "worker " + worker + " lives on");
            assertNotEquals(worker, pool.submit(ProcessPoolCancelTest::pid).get(30, SECONDS));
        }
    }
}
