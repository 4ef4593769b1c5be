package io.jshmex;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.testing.LeakCheckedTest;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessPoolConcurrencyTest extends LeakCheckedTest {
    private static final int THREADS = 8;
    private static final int TASKS_PER_THREAD = 125;

    /**
     * Marks {@code me} arrived in {@code arrivals} and waits (at most 10 s) until {@code parties}
     * tasks have: true only if they all ran at the same time.
     */
    static boolean meetAll(IntBuffer arrivals, int me, int parties) throws InterruptedException {
        arrivals.put(me, 1);
        long deadline = System.nanoTime() + SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            int arrived = 0;
            for (int i = 0; i < parties; i++) {
                arrived += arrivals.get(i);
            }
            if (arrived == parties) {
                return true;
            }
            Thread.sleep(1);
        }
        return false;
    }

    @Test
    void shouldRunQueuedTasksOnEveryIdleWorkerAtOnce() throws Exception {
        int workers = 2;
        try (var pool = ProcessPoolExecutor.builder().maxWorkers(workers).build()) {
            pool.prestartAllWorkers();
            // the workers are idle now; tasks with a large argument are queued, not handed over
            Thread.sleep(500);
            for (int round = 0; round < 3; round++) {
                IntBuffer arrivals = NativeShm.ints(workers);
                double[] big = new double[100_000];
                List<Future<Boolean>> meetings = new ArrayList<>();
                for (int i = 0; i < workers; i++) {
                    int me = i;
                    meetings.add(pool.submit(() -> big.length > 0 && meetAll(arrivals, me, workers)));
                }
                for (Future<Boolean> meeting : meetings) {
                    assertTrue(meeting.get(60, SECONDS), "round " + round + ": the tasks did not all run at once, "
                        + "so an idle worker was left idle");
                }
                NativeShm.release(arrivals);
            }
        }
    }

    static String scramble(Integer x) {
        return x + ":" + Integer.toHexString(x * 0x9E3779B1);
    }

    @Test
    void shouldReturnEveryResultToTheRightCallerWhenManyThreadsSubmit() throws Exception {
        ExecutorService submitters = Executors.newFixedThreadPool(THREADS);
        try (var pool = new ProcessPoolExecutor(2)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<CompletableFuture<String>>>> perThread = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int first = t * TASKS_PER_THREAD;
                perThread.add(submitters.submit(() -> {
                    start.await();
                    List<CompletableFuture<String>> mine = new ArrayList<>();
                    for (int i = first; i < first + TASKS_PER_THREAD; i++) {
                        mine.add(pool.submit(ProcessPoolConcurrencyTest::scramble, i));
                    }
                    return mine;
                }));
            }
            start.countDown();

            int checked = 0;
            for (int t = 0; t < THREADS; t++) {
                List<CompletableFuture<String>> mine = perThread.get(t).get(60, SECONDS);
                for (int i = 0; i < TASKS_PER_THREAD; i++) {
                    int input = t * TASKS_PER_THREAD + i;
                    assertEquals(scramble(input), mine.get(i).get(60, SECONDS));
                    checked++;
                }
            }
            assertEquals(THREADS * TASKS_PER_THREAD, checked);
        } finally {
            submitters.shutdownNow();
        }
    }
}
