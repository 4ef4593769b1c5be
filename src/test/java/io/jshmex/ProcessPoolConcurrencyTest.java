package io.jshmex;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jshmex.testing.LeakCheckedTest;
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
