package io.jshmex.reliability;

import io.jshmex.NativeShm;
import io.jshmex.ProcessPoolExecutor;
import io.jshmex.SerializableCallable;
import io.jshmex.TaskTimeoutException;
import io.jshmex.testing.LeakCheckedTest;
import java.nio.DoubleBuffer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tasks past their timeout: sleeping, spinning without ever looking at interrupts, holding a
 * 16 MB argument and a buffer from their worker's blocks, by the pool-wide timeout, and one that
 * finishes with a 16 MB result right around its deadline (either outcome is fine; a wrong value or
 * a leak is not).
 */
@ExtendWith(Report.class)
class TimeoutFaultTest extends LeakCheckedTest {
    private static final Duration POOL_TIMEOUT = Duration.ofMillis(1500);
    private static final int VARIANTS = 5;

    @Test
    void timedOutTasksKillTheirWorkerAndLeaveNothing() throws Exception {
        Tally.run(Fault.TIMEOUTS, this::inject);
    }

    private void inject(Tally tally) throws Exception {
        int cases = Scale.of(5, 20);
        try (PoolGuard guard = new PoolGuard(ProcessPoolExecutor.builder().maxWorkers(1).taskTimeout(POOL_TIMEOUT).build(), tally)) {
            ProcessPoolExecutor pool = guard.pool;
            pool.prestartAllWorkers();
            Aftermath after = new Aftermath(tally);
            for (int c = 0; c < cases; c++) {
                int variant = c % VARIANTS;
                String label = "case " + c + " (variant " + variant + ")";
                Set<Long> workers = Procs.workers().stream().map(ProcessHandle::pid).collect(Collectors.toSet());
                Future<?> f = submit(pool, variant);
                after.remember();
                try {
                    Object value = f.get(60, TimeUnit.SECONDS);
                    if (variant == 4 && ((double[]) value)[(2 << 20) - 1] == 3) {
                        tally.outcome("finished before its deadline");
                    } else {
                        tally.fail(label + ": returned " + value + " instead of timing out");
                    }
                    continue;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TaskTimeoutException)) {
                        tally.fail(label + ": expected TaskTimeoutException, got " + Causes.chain(e));
                    } else {
                        tally.outcome("timed out");
                    }
                } finally {
                    tally.addCase();
                }
                Set<Long> alive = Procs.awaitGone(workers, 10_000);
                tally.strays(alive.size(), label + ": the timed-out task's worker is alive after 10 s: " + alive);
                after.check(label, pool, 1);
            }
            after.check("end", pool, 1);
        }
        new Aftermath(tally).settle("after close", 0, Set.of());
    }

    private static Future<?> submit(ProcessPoolExecutor pool, int variant) {
        switch (variant) {
            case 0:
                return pool.submit((SerializableCallable<Integer>) () -> {
                    Thread.sleep(Long.MAX_VALUE);
                    return 0;
                }, Duration.ofMillis(300));
            case 1:
                // never looks at its interrupt flag: only a kill stops it
                return pool.submit((SerializableCallable<Long>) () -> {
                    long n = 0;
                    while (n >= 0) {
                        n++;
                    }
                    return n;
                }, Duration.ofMillis(300));
            case 2: {
                double[] arg = new double[2 << 20];
                return pool.submit((SerializableCallable<Integer>) () -> {
                    DoubleBuffer scratch = NativeShm.doubles(1 << 20);
                    scratch.put(0, arg.length);
                    Thread.sleep(Long.MAX_VALUE);
                    return scratch.capacity();
                }, Duration.ofMillis(500));
            }
            case 3:
                // the pool's own timeout
                return pool.submit((SerializableCallable<Integer>) () -> {
                    Thread.sleep(Long.MAX_VALUE);
                    return 0;
                });
            default:
                return pool.submit((SerializableCallable<double[]>) () -> {
                    Thread.sleep(280);
                    double[] result = new double[2 << 20];
                    result[result.length - 1] = 3;
                    return result;
                }, Duration.ofMillis(300));
        }
    }
}
