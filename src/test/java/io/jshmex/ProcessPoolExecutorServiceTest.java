package io.jshmex;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.PoolTestSupport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The {@link java.util.concurrent.ExecutorService} contract, kept by a pool of processes. */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessPoolExecutorServiceTest extends LeakCheckedTest {

    private static String sleepThenReturn(long millis, String value) throws InterruptedException {
        Thread.sleep(millis);
        return value;
    }

    private static void touch(String file) {
        try {
            PoolTestSupport.writeAtomically(Path.of(file), "ran");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void awaitFile(Path file) throws InterruptedException {
        long deadline = System.currentTimeMillis() + PoolTestSupport.PATIENCE_MS;
        while (!Files.exists(file) && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void shouldExecuteASerializableRunnableAndRefuseAPlainOne(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("executed");
        String file = marker.toString();
        try (var pool = new ProcessPoolExecutor(1)) {
            pool.execute((SerializableRunnable) () -> touch(file));
            Runnable plain = () -> touch(file);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.execute(plain));
            assertTrue(e.getMessage().contains("Serializable"), e.getMessage());

            awaitFile(marker);
            assertTrue(Files.exists(marker), "the executed command did not run");
        }
    }

    @Test
    void shouldReturnInvokeAllResultsInTaskOrder() throws Exception {
        List<SerializableCallable<String>> tasks = List.of(
            () -> sleepThenReturn(600, "first"),
            () -> sleepThenReturn(0, "second"),
            () -> sleepThenReturn(200, "third"),
            () -> sleepThenReturn(0, "fourth"));
        try (var pool = new ProcessPoolExecutor(2)) {
            List<Future<String>> futures = pool.invokeAll(tasks);

            List<String> results = new ArrayList<>();
            for (Future<String> future : futures) {
                assertTrue(future.isDone(), "invokeAll returned before every task was done");
                results.add(future.get());
            }
            assertEquals(List.of("first", "second", "third", "fourth"), results);
        }
    }

    @Test
    void shouldStartNoneOfInvokeAllsTasksWhenOneIsNotSerializable(@TempDir Path dir) throws Exception {
        String marker = dir.resolve("ran").toString();
        SerializableCallable<String> fine = () -> {
            touch(marker);
            return "ran";
        };
        java.util.concurrent.Callable<String> notSerializable = () -> "never";
        try (var pool = new ProcessPoolExecutor(1)) {
            assertThrows(IllegalArgumentException.class, () -> pool.invokeAll(List.of(fine, notSerializable)));

            assertTrue(PoolTestSupport.descendantPids().isEmpty(), "a worker was started");
        }
        assertFalse(Files.exists(Path.of(marker)), "a task of the refused batch ran");
    }

    @Test
    void shouldCancelTheTaskStillRunningWhenInvokeAllTimesOut(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("pid");
        List<SerializableCallable<Long>> tasks = List.of(() -> 7L,
            PoolTestSupport.writePidThenSleep(pidFile, 120_000));
        try (var pool = new ProcessPoolExecutor(2)) {
            List<Future<Long>> futures = pool.invokeAll(tasks, 5, SECONDS);

            assertEquals(7L, futures.get(0).get());
            assertTrue(futures.get(1).isCancelled(), "the sleeping task was not cancelled");
            long sleeper = PoolTestSupport.awaitPid(pidFile);
            assertTrue(PoolTestSupport.exitsWithin(sleeper, Duration.ofSeconds(10)),
                "the worker of the cancelled task was not killed");
        }
    }

    @Test
    void shouldReturnTheFirstSuccessOfInvokeAnyIgnoringFailures() throws Exception {
        List<SerializableCallable<String>> tasks = List.of(
            () -> {
                throw new IllegalStateException("fails at once");
            },
            () -> sleepThenReturn(300, "success"),
            () -> {
                throw new IllegalStateException("fails too");
            });
        try (var pool = new ProcessPoolExecutor(2)) {
            assertEquals("success", pool.invokeAny(tasks));
        }
    }

    @Test
    void shouldThrowExecutionExceptionFromInvokeAnyWhenEveryTaskFails() {
        List<SerializableCallable<String>> tasks = List.of(
            () -> {
                throw new IllegalStateException("first failure");
            },
            () -> {
                throw new IllegalStateException("second failure");
            });
        try (var pool = new ProcessPoolExecutor(2)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> pool.invokeAny(tasks));

            assertInstanceOf(IllegalStateException.class, e.getCause());
            assertTrue(e.getCause().getMessage().endsWith("failure"), e.getCause().getMessage());
        }
    }

    @Test
    void shouldThrowTimeoutExceptionFromInvokeAnyWhenNoTaskFinishesInTime() {
        List<SerializableCallable<String>> tasks = List.of(
            () -> sleepThenReturn(120_000, "too late"),
            () -> sleepThenReturn(120_000, "too late as well"));
        try (var pool = new ProcessPoolExecutor(2)) {
            assertThrows(TimeoutException.class, () -> pool.invokeAny(tasks, 2, SECONDS));
        }
    }

    @Test
    void shouldRefuseTasksAfterShutdownAndTerminate() throws Exception {
        var pool = new ProcessPoolExecutor(1);
        try {
            Future<String> before = pool.submit(() -> "before");

            pool.shutdown();

            assertTrue(pool.isShutdown());
            assertThrows(RejectedExecutionException.class, () -> pool.submit(() -> "after"));
            assertThrows(RejectedExecutionException.class, () -> pool.execute((SerializableRunnable) () -> { }));
            assertTrue(pool.awaitTermination(30, SECONDS), "the pool did not terminate");
            assertTrue(pool.isTerminated());
            assertEquals("before", before.get());
            assertTrue(PoolTestSupport.descendantPids().isEmpty(), "a worker outlived termination");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldFinishQueuedTasksAfterShutdown() throws Exception {
        try (var pool = new ProcessPoolExecutor(1)) {
            List<Future<String>> futures = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String value = "task " + i;
                futures.add(pool.submit(() -> sleepThenReturn(300, value)));
            }

            pool.shutdown();

            assertTrue(pool.awaitTermination(30, SECONDS), "the pool did not terminate");
            for (int i = 0; i < 3; i++) {
                assertEquals("task " + i, futures.get(i).get());
            }
        }
    }

    @Test
    void shouldReturnNeverStartedTasksFromShutdownNowAndKillTheRunningOne(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("pid");
        try (var pool = new ProcessPoolExecutor(1)) {
            Future<Long> running = pool.submit(PoolTestSupport.writePidThenSleep(pidFile, 120_000));
            long worker = PoolTestSupport.awaitPid(pidFile);
            List<Future<String>> queued = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                queued.add(pool.submit(() -> "never"));
            }

            List<Runnable> neverStarted = pool.shutdownNow();

            assertEquals(3, neverStarted.size(), "tasks reported as never started: " + neverStarted);
            for (int i = 0; i < 3; i++) {
                assertSame(queued.get(i), neverStarted.get(i));
                assertFalse(queued.get(i).isDone(), "a never-started task was completed");
            }
            assertTrue(running.isCancelled(), "the running task was not cancelled");
            assertTrue(PoolTestSupport.exitsWithin(worker, Duration.ofSeconds(10)), "the running task's worker lives");
            assertTrue(pool.awaitTermination(30, SECONDS), "the pool did not terminate");
            assertTrue(pool.isTerminated());
        }
    }

    @Test
    void shouldWaitForRunningTasksOnCloseAndLeaveNoProcess() throws Exception {
        Future<String> future;
        try (var pool = new ProcessPoolExecutor(2)) {
            future = pool.submit(() -> sleepThenReturn(1_000, "finished"));
            pool.submit(() -> sleepThenReturn(500, "also finished"));
        }
        assertTrue(future.isDone(), "close() returned before the running task finished");
        assertEquals("finished", future.get());
        assertTrue(PoolTestSupport.descendantPids().isEmpty(),
            "close() left processes: " + PoolTestSupport.descendantPids());
    }

    @Test
    void shouldHaveEndedEveryWorkerWhenCloseReturnsOnAnIdlePool() throws Exception {
        Set<Long> workers = new HashSet<>();
        var pool = new ProcessPoolExecutor(3);
        try {
            // three tasks at once: three workers, all idle afterwards
            List<Future<Long>> futures = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                futures.add(pool.submit(() -> {
                    Thread.sleep(500);
                    return ProcessHandle.current().pid();
                }));
            }
            for (Future<Long> future : futures) {
                workers.add(future.get(30, SECONDS));
            }

            pool.close();

            assertTrue(pool.isTerminated());
            Set<Long> alive = new HashSet<>();
            for (long worker : workers) {
                if (PoolTestSupport.isAlive(worker)) {
                    alive.add(worker);
                }
            }
            assertEquals(Set.of(), alive, "close() returned while workers " + alive + " of " + workers + " lived");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldComposeFuturesAsCompletableFutures() throws Exception {
        try (var pool = new ProcessPoolExecutor(2)) {
            int composed = pool.submit(() -> 20).thenApply(x -> x + 1).get(30, SECONDS);
            assertEquals(21, composed);

            List<CompletableFuture<Integer>> parts = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                int n = i;
                parts.add(pool.submit(() -> n * n));
            }
            CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).get(30, SECONDS);
            assertEquals(List.of(1, 4, 9, 16), parts.stream().map(CompletableFuture::join).toList());

            CompletableFuture<String> stage = pool.submit(() -> "staged").toCompletableFuture();
            assertEquals("staged!", stage.thenCombine(pool.submit(() -> "!"), String::concat).get(30, SECONDS));
        }
    }
}
