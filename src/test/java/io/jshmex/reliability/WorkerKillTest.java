package io.jshmex.reliability;

import io.jshmex.ProcessPoolExecutor;
import io.jshmex.SerializableFunction;
import io.jshmex.TaskTransferException;
import io.jshmex.WorkerDiedException;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.PoolTestSupport;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Workers killed with SIGKILL at random points of a 16-64 MB round trip. The delay of each kill is
 * drawn from one of four windows of the measured round-trip time, in turn, so that every phase is
 * hit: before the copy, while the parent copies the argument in, while the task runs and copies
 * its result in, while the parent copies the result out. Whatever the phase, the task either
 * completes with the right value (the kill came too late) or fails with the worker's death or a
 * failed transfer; nothing may be left and the pool must carry on.
 */
@ExtendWith(Report.class)
class WorkerKillTest extends LeakCheckedTest {
    private static final int DOUBLES_PER_MB = 131072;
    private static final double[][] WINDOWS = {{0, 0.02}, {0.05, 0.35}, {0.35, 0.65}, {0.65, 1.0}};
    private static final String[] PHASES = {"before the copy", "during the copy in", "task or result copy",
        "parent reading the result"};

    @Test
    void workersKilledAtRandomPointsOfATransferLeaveNothing() throws Exception {
        Tally.run(Fault.WORKER_SIGKILL, this::inject);
    }

    private void inject(Tally tally) throws Exception {
        int cases = Scale.of(10, 100);
        long seed = System.nanoTime();
        Random random = new Random(seed);
        tally.note("seed " + seed);
        try (PoolGuard guard = new PoolGuard(ProcessPoolExecutor.builder().maxWorkers(1).build(), tally)) {
            ProcessPoolExecutor pool = guard.pool;
            pool.prestartAllWorkers();
            Aftermath after = new Aftermath(tally);
            for (int c = 0; c < cases; c++) {
                int phase = c % WINDOWS.length;
                int mb = 16 + random.nextInt(49);
                double[] window = WINDOWS[phase];
                double fraction = window[0] + random.nextDouble() * (window[1] - window[0]);
                // the replacement worker is cold: time a round trip of this size on it first
                long delayMicros = (long) (fraction * roundTripMicros(pool, mb));
                String label = "case " + c + " (" + mb + " MB, kill after " + delayMicros / 1000 + " ms, "
                    + PHASES[phase] + ")";
                one(tally, after, pool, c, mb, delayMicros, label);
                tally.addCase();
            }
        }
        new Aftermath(tally).settle("after close", 0, Set.of());
    }

    private static void one(Tally tally, Aftermath after, ProcessPoolExecutor pool, int c, int mb, long delayMicros,
                            String label) throws Exception {
        double[] x = new double[mb * DOUBLES_PER_MB];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + c;
        }
        after.remember();
        AtomicReference<Set<Long>> killed = new AtomicReference<>(Set.of());
        Thread killer = new Thread(() -> {
            long until = System.nanoTime() + delayMicros * 1000;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            killed.set(Procs.killDescendants());
        }, "sigkill");
        Future<double[]> f = pool.submit((SerializableFunction<double[], double[]>) PoolTestSupport::plusOne, x);
        killer.start();
        killer.join();
        after.remember(killed.get());
        try {
            double[] y = f.get(120, TimeUnit.SECONDS);
            tally.outcome("completed (killed too late)");
            for (int i = 0; i < y.length; i++) {
                if (y[i] != i + c + 1) {
                    tally.fail(label + ": completed with a wrong value at " + i + ": " + y[i]);
                    break;
                }
            }
        } catch (ExecutionException e) {
            WorkerDiedException died = Causes.find(e, WorkerDiedException.class).orElse(null);
            if (died != null && Causes.isCrash(died)) {
                tally.crash(label + ": " + Causes.chain(e));
            } else if (died != null) {
                tally.outcome("worker died");
            } else if (Causes.find(e, TaskTransferException.class).isPresent()) {
                tally.outcome("transfer failed");
            } else {
                tally.fail(label + ": unexpected failure: " + Causes.chain(e));
            }
        } catch (TimeoutException e) {
            tally.fail(label + ": the task neither completed nor failed within 120 s");
            f.cancel(true);
        }
        Set<Long> alive = Procs.awaitGone(killed.get(), 10_000);
        tally.strays(alive.size(), label + ": killed workers still alive after 10 s: " + alive);
        after.check(label + ", killed " + killed.get(), pool, 1);
    }

    /** Microseconds of a round trip of {@code mb} MB, on blocks that the next one reuses. */
    private static long roundTripMicros(ProcessPoolExecutor pool, int mb) throws Exception {
        double[] x = new double[mb * DOUBLES_PER_MB];
        long start = System.nanoTime();
        pool.submit((SerializableFunction<double[], double[]>) PoolTestSupport::plusOne, x).get(120, TimeUnit.SECONDS);
        return (System.nanoTime() - start) / 1000;
    }
}
