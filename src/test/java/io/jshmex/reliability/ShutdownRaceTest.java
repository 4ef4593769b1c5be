package io.jshmex.reliability;

import io.jshmex.ProcessPoolExecutor;
import io.jshmex.SerializableCallable;
import io.jshmex.SerializableFunction;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.PoolTestSupport;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * submit racing shutdown(), shutdownNow() and close() from other threads. A submit may be refused
 * (RejectedExecutionException), but one that was accepted must complete: with its value, as
 * cancelled (shutdownNow cancels what runs), or be among the tasks shutdownNow() returned as never
 * started (the ExecutorService contract leaves those to the caller, like ThreadPoolExecutor does).
 * A submit that starts after isShutdown() is true must be refused. The pool must terminate, and
 * leave no worker and no segment.
 */
@ExtendWith(Report.class)
class ShutdownRaceTest extends LeakCheckedTest {
    private static final int SUBMITTERS = 4;
    /** Tasks per submitter and round: enough to overlap the stop, few enough that shutdown() drains fast. */
    private static final int PER_SUBMITTER = 40;

    @Test
    void submitRacingShutdownLosesNothingAndLeavesNothing() throws Exception {
        Tally.run(Fault.SHUTDOWN_RACE, this::inject);
    }

    private void inject(Tally tally) throws Exception {
        int rounds = Scale.of(20, 50);
        Random random = new Random();
        Aftermath after = new Aftermath(tally);
        for (int round = 0; round < rounds; round++) {
            String stop = new String[] {"shutdown", "shutdownNow", "shutdown then shutdownNow", "close"}[round % 4];
            String label = "round " + round + " (" + stop + ")";
            round(tally, after, random, round, stop, label);
            tally.addCase();
        }
        try (PoolGuard guard = new PoolGuard(new ProcessPoolExecutor(1), tally)) {
            ProcessPoolExecutor pool = guard.pool;
            after.check("a new pool after the rounds", pool, 1);
        }
        after.settle("after close", 0, Set.of());
    }

    private static void round(Tally tally, Aftermath after, Random random, int round, String stop, String label)
        throws Exception {
        ProcessPoolExecutor pool = ProcessPoolExecutor.builder().maxWorkers(2).build();
        if (round % 2 == 0) {
            pool.prestartAllWorkers();
        }
        ConcurrentLinkedQueue<Future<?>> accepted = new ConcurrentLinkedQueue<>();
        Map<Future<?>, Object> expected = Collections.synchronizedMap(new IdentityHashMap<>());
        AtomicInteger rejected = new AtomicInteger();
        AtomicReference<List<Runnable>> neverStarted = new AtomicReference<>(List.of());
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < SUBMITTERS; s++) {
            int submitter = s;
            threads.add(new Thread(() -> {
                try {
                    go.await();
                    for (int i = 0; ; i++) {
                        if (i == PER_SUBMITTER) {
                            // past its share, a submitter only checks that a late submit is refused
                            while (!pool.isShutdown()) {
                                Thread.sleep(1);
                            }
                        }
                        boolean shutBefore = pool.isShutdown();
                        try {
                            int key = submitter * 100_000 + i;
                            Future<?> f;
                            if (i % 3 == 0) {
                                double[] arg = new double[1 << 17];
                                arg[0] = key;
                                f = pool.submit((SerializableFunction<double[], double[]>) PoolTestSupport::plusOne, arg);
                                expected.put(f, (double) key + 1);
                            } else {
                                f = pool.submit((SerializableCallable<Integer>) () -> {
                                    Thread.sleep(key % 5);
                                    return key;
                                });
                                expected.put(f, key);
                            }
                            accepted.add(f);
                            if (shutBefore) {
                                tally.fail(label + ": a submit that began after isShutdown() was accepted");
                            }
                        } catch (RejectedExecutionException refused) {
                            rejected.incrementAndGet();
                            return;
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "submitter-" + s));
        }
        threads.add(new Thread(() -> {
            try {
                go.await();
                Thread.sleep(random.nextInt(150));
                switch (stop) {
                    case "shutdown":
                        pool.shutdown();
                        break;
                    case "shutdownNow":
                        neverStarted.set(pool.shutdownNow());
                        break;
                    case "close":
                        pool.close();
                        break;
                    default:
                        pool.shutdown();
                        Thread.sleep(random.nextInt(100));
                        neverStarted.set(pool.shutdownNow());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "stopper"));
        threads.forEach(Thread::start);
        go.countDown();
        for (Thread thread : threads) {
            thread.join(120_000);
            if (thread.isAlive()) {
                tally.fail(label + ": thread " + thread.getName() + " hung");
            }
        }
        after.remember();
        if (!pool.awaitTermination(60, TimeUnit.SECONDS)) {
            tally.fail(label + ": the pool did not terminate within 60 s");
            new PoolGuard(pool, tally).stop();
        }
        Set<Object> notStarted = Collections.newSetFromMap(new IdentityHashMap<>());
        notStarted.addAll(neverStarted.get());
        for (Future<?> f : accepted) {
            if (notStarted.contains(f)) {
                tally.outcome("returned by shutdownNow");
                f.cancel(false);
                continue;
            }
            try {
                Object value = f.get(30, TimeUnit.SECONDS);
                Object wanted = expected.get(f);
                Object got = value instanceof double[] ? (Object) ((double[]) value)[0] : value;
                if (!wanted.equals(got)) {
                    tally.fail(label + ": task returned " + got + " instead of " + wanted);
                }
                tally.outcome("completed");
            } catch (CancellationException e) {
                tally.outcome("cancelled");
            } catch (ExecutionException e) {
                // shutdownNow kills what runs; a task may see that as its worker's death
                tally.outcome("failed: " + e.getCause().getClass().getSimpleName());
            } catch (TimeoutException e) {
                tally.fail(label + ": an accepted task never completed and was not returned by shutdownNow: " + f);
            }
        }
        if (rejected.get() == 0) {
            tally.fail(label + ": no submit was refused after the pool stopped");
        }
        after.settle(label, 0, Set.of());
    }
}
