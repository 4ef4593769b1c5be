package io.jshmex;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.PoolTestSupport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessPoolBuilderTest extends LeakCheckedTest {
    /** Set by the pool's initializer, in the worker; stays null in this JVM. */
    static volatile String initializedIn;

    private static long pid() {
        return ProcessHandle.current().pid();
    }

    @Test
    void shouldNeverRunMoreThanMaxWorkersProcesses() throws Exception {
        Set<Long> seenAtOnce = ConcurrentHashMap.newKeySet();
        AtomicInteger mostAtOnce = new AtomicInteger();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                Set<Long> now = PoolTestSupport.descendantPids();
                seenAtOnce.addAll(now);
                mostAtOnce.accumulateAndGet(now.size(), Math::max);
                PoolTestSupport.sleep(10);
            }
        });
        watcher.start();
        List<Long> pids = new ArrayList<>();
        try (var pool = ProcessPoolExecutor.builder().maxWorkers(2).build()) {
            List<Future<Long>> futures = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                futures.add(pool.submit(() -> {
                    Thread.sleep(150);
                    return pid();
                }));
            }
            for (Future<Long> future : futures) {
                pids.add(future.get(30, SECONDS));
            }
        } finally {
            watching.set(false);
            watcher.join();
        }
        Set<Long> distinct = new HashSet<>(pids);
        assertTrue(distinct.size() <= 2, "tasks ran in " + distinct.size() + " workers: " + distinct);
        assertTrue(mostAtOnce.get() <= 2, mostAtOnce.get() + " worker processes were alive at once");
        assertTrue(seenAtOnce.containsAll(distinct), "tasks ran outside this JVM's child processes");
    }

    @Test
    void shouldStartWorkersWithTheBuildersJvmArgs() throws Exception {
        try (var pool = ProcessPoolExecutor.builder().maxWorkers(1).jvmArgs("-Dfoo=bar", "-Xmx64m").build()) {
            String foo = pool.submit(() -> System.getProperty("foo")).get(30, SECONDS);
            long maxMemory = pool.submit(() -> Runtime.getRuntime().maxMemory()).get(30, SECONDS);

            assertEquals("bar", foo);
            assertTrue(maxMemory <= 64L << 20, "worker heap limit is " + maxMemory + " bytes, not -Xmx64m");
        }
    }

    @Test
    void shouldRunTheInitializerInEachWorkerBeforeItsTasks() throws Exception {
        try (var pool = ProcessPoolExecutor.builder().maxWorkers(1)
                .initializer(() -> initializedIn = "worker " + pid()).build()) {
            List<String> seen = new ArrayList<>();
            List<Long> pids = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                seen.add(pool.submit(() -> initializedIn).get(30, SECONDS));
                pids.add(pool.submit(ProcessPoolBuilderTest::pid).get(30, SECONDS));
            }

            assertEquals(pids.get(0), pids.get(1), "the one worker was replaced");
            assertEquals(List.of("worker " + pids.get(0), "worker " + pids.get(0)), seen);
            assertNull(initializedIn, "the initializer ran in the parent");
        }
    }

    @Test
    void shouldBreakThePoolWhenTheInitializerFailsWithoutRestartingWorkers() throws Exception {
        Set<Long> everSeen = ConcurrentHashMap.newKeySet();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                everSeen.addAll(PoolTestSupport.descendantPids());
                PoolTestSupport.sleep(10);
            }
        });
        watcher.start();
        try (var pool = ProcessPoolExecutor.builder().maxWorkers(1).initializer(() -> {
            throw new IllegalStateException("no licence for the native library");
        }).build()) {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int n = i;
                futures.add(pool.submit(() -> n));
            }
            for (Future<Integer> future : futures) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(30, SECONDS));
                WorkerStartException cause = assertInstanceOf(WorkerStartException.class, e.getCause());
                assertTrue(cause.getMessage().contains("initializer"), cause.getMessage());
                assertTrue(cause.getMessage().contains("no licence for the native library"), cause.getMessage());
            }

            RejectedExecutionException rejected = assertThrows(RejectedExecutionException.class,
                () -> pool.submit(() -> 1));
            assertTrue(rejected.getMessage().contains("broken"), rejected.getMessage());
            // a broken pool must not keep trying workers that would fail the same way
            Thread.sleep(1_000);
        } finally {
            watching.set(false);
            watcher.join();
        }
        assertTrue(everSeen.size() <= 1, "the broken pool started " + everSeen.size() + " workers: " + everSeen);
    }

    @Test
    void shouldGiveEveryTaskAFreshWorkerWithMaxTasksPerWorkerOne() throws Exception {
        try (var pool = ProcessPoolExecutor.builder().maxWorkers(1).maxTasksPerWorker(1).build()) {
            Set<Long> pids = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                pids.add(pool.submit(ProcessPoolBuilderTest::pid).get(30, SECONDS));
            }

            assertEquals(3, pids.size(), "workers were reused: " + pids);
        }
    }

    @Test
    void shouldStopAnIdleWorkerAfterTheIdleTimeoutAndStartANewOneForTheNextTask() throws Exception {
        try (var pool = ProcessPoolExecutor.builder().maxWorkers(1).idleTimeout(Duration.ofSeconds(1)).build()) {
            long first = pool.submit(ProcessPoolBuilderTest::pid).get(30, SECONDS);

            assertTrue(PoolTestSupport.exitsWithin(first, Duration.ofSeconds(8)),
                "worker " + first + " was still alive 8 s after going idle with idleTimeout 1 s");
            long second = pool.submit(ProcessPoolBuilderTest::pid).get(30, SECONDS);
            assertNotEquals(first, second);
        }
    }

    @Test
    void shouldRefuseInvalidSettings() {
        ProcessPoolExecutor.Builder builder = ProcessPoolExecutor.builder();
        List<Executable> invalid = List.of(
            () -> new ProcessPoolExecutor(0),
            () -> builder.maxWorkers(0),
            () -> builder.maxWorkers(-3),
            () -> builder.maxTasksPerWorker(-1),
            () -> builder.idleTimeout(Duration.ZERO),
            () -> builder.idleTimeout(Duration.ofSeconds(-1)),
            () -> builder.idleTimeout(null),
            () -> builder.taskTimeout(Duration.ZERO),
            () -> builder.taskTimeout(Duration.ofMillis(-5)),
            () -> builder.shmThresholdBytes(-1),
            () -> builder.mapChunkSize(-1),
            () -> builder.trimAfter(Duration.ZERO),
            () -> builder.startTimeout(Duration.ofSeconds(-1)),
            () -> builder.busyPoll(Duration.ofNanos(-1)),
            () -> builder.busyPoll(Duration.ofMillis(1001)),
            () -> builder.busyPoll(null));
        for (int i = 0; i < invalid.size(); i++) {
            assertThrows(IllegalArgumentException.class, invalid.get(i), "setting #" + i + " was accepted");
        }
        // the refused values left the builder as it was
        try (var pool = builder.build()) {
            assertEquals(Runtime.getRuntime().availableProcessors(), pool.settings().maxWorkers());
            assertEquals(Duration.ofMinutes(5), pool.settings().idleTimeout());
            assertEquals(ProcessPoolExecutor.DEFAULT_BUSY_POLL, pool.settings().busyPoll());
            assertFalse(pool.isShutdown());
        }
    }

    @Test
    void shouldRunTasksWhenWaitingThreadsBlockAtOnceAndWhenTheyPollLong() throws Exception {
        for (Duration busyPoll : List.of(Duration.ZERO, Duration.ofMillis(20))) {
            try (var pool = ProcessPoolExecutor.builder().maxWorkers(1).busyPoll(busyPoll).build()) {
                assertEquals(busyPoll, pool.settings().busyPoll());
                // answers quicker and slower than the poll, and pauses that outlast it between tasks
                for (int i = 0; i < 20; i++) {
                    int n = i;
                    long sleepMillis = i % 2 == 0 ? 0 : 30;
                    String answer = pool.submit(() -> {
                        Thread.sleep(sleepMillis);
                        return "task " + n + " in " + pid();
                    }).get(30, SECONDS);
                    assertTrue(answer.startsWith("task " + i + " in ") && !answer.endsWith(" " + pid()),
                        answer + " (busyPoll " + busyPoll + ")");
                    if (i % 5 == 4) {
                        Thread.sleep(40);
                    }
                }
            }
        }
    }

    @Test
    void shouldRefuseInvalidPerCallValues() {
        try (var pool = new ProcessPoolExecutor(1)) {
            assertThrows(IllegalArgumentException.class, () -> pool.submit(() -> 1, Duration.ZERO));
            assertThrows(IllegalArgumentException.class, () -> pool.submit(() -> 1, Duration.ofSeconds(-1)));
            assertThrows(IllegalArgumentException.class, () -> pool.map(String::length, List.of("a"), -1));
            assertTrue(PoolTestSupport.descendantPids().isEmpty(), "a refused call started a worker");
        }
    }
}
