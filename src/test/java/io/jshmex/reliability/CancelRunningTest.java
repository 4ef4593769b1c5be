package io.jshmex.reliability;

import io.jshmex.NativeShm;
import io.jshmex.ProcessPoolExecutor;
import io.jshmex.SerializableCallable;
import io.jshmex.testing.LeakCheckedTest;
import java.nio.DoubleBuffer;
import java.nio.IntBuffer;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * cancel(true) on running tasks: the worker must be killed and replaced, its shared memory
 * removed, and the future cancelled. The variants hold different things when cancelled: nothing,
 * a 16 MB argument, a buffer the task allocated from its worker's blocks; the last one races the
 * cancel against a task returning a 16 MB result (cancel may lose: then the value must be right;
 * it may also win the future just after the answer came in: then the worker, done, is kept).
 */
@ExtendWith(Report.class)
class CancelRunningTest extends LeakCheckedTest {
    private static final int VARIANTS = 4;

    @Test
    void cancelledRunningTasksKillTheirWorkerAndLeaveNothing() throws Exception {
        Tally.run(Fault.CANCEL_RUNNING, this::inject);
    }

    private void inject(Tally tally) throws Exception {
        int cases = Scale.of(20, 100);
        Random random = new Random();
        IntBuffer flags = NativeShm.ints(cases + 1);
        String flagSegment = Shared.segmentOf(flags);
        try (PoolGuard guard = new PoolGuard(ProcessPoolExecutor.builder().maxWorkers(1).build(), tally)) {
            ProcessPoolExecutor pool = guard.pool;
            pool.prestartAllWorkers();
            Aftermath after = new Aftermath(tally);
            for (int c = 0; c < cases; c++) {
                int variant = c % VARIANTS;
                int started = c + 1;
                String label = "case " + c + " (variant " + variant + ")";
                Set<Long> workers = Procs.workers().stream().map(ProcessHandle::pid).collect(Collectors.toSet());
                Future<?> f;
                if (variant == 3) {
                    int sleepMillis = 5 + random.nextInt(10);
                    f = pool.submit((SerializableCallable<double[]>) () -> {
                        Thread.sleep(sleepMillis);
                        double[] result = new double[2 << 20];
                        result[result.length - 1] = 7;
                        return result;
                    });
                    // around the moment the result arrives: before, during or just after it is read
                    Thread.sleep(sleepMillis + random.nextInt(120));
                } else {
                    double[] arg = variant == 1 ? new double[2 << 20] : null;
                    f = pool.submit((SerializableCallable<Integer>) () -> {
                        DoubleBuffer scratch = variant == 2 ? NativeShm.doubles(1 << 20) : null;
                        if (scratch != null) {
                            scratch.put(0, 1);
                        }
                        flags.put(started, 1);
                        Shared.spinUntil(flags, 0);
                        return (arg == null ? 0 : arg.length) + (scratch == null ? 0 : scratch.capacity());
                    });
                    if (!Shared.await(flags, started, 60_000)) {
                        tally.fail(label + ": the task did not start within 60 s");
                    }
                }
                after.remember();
                boolean cancelled = f.cancel(true);
                if (cancelled) {
                    tally.outcome("cancelled");
                    try {
                        f.get(60, TimeUnit.SECONDS);
                        tally.fail(label + ": a cancelled future returned a value");
                    } catch (CancellationException expected) {
                        // what a cancelled future does
                    }
                } else if (variant == 3) {
                    tally.outcome("completed first");
                    try {
                        double[] y = (double[]) f.get(60, TimeUnit.SECONDS);
                        if (y[y.length - 1] != 7) {
                            tally.fail(label + ": a task that beat its cancel returned a wrong value");
                        }
                    } catch (ExecutionException e) {
                        tally.fail(label + ": cancel(true) returned false, yet the task failed: " + Causes.chain(e));
                    }
                } else {
                    tally.fail(label + ": cancel(true) of a running task returned false");
                }
                // the next task goes in at once, as a caller's would: the pool must not hand it to
                // the worker it is killing
                after.check(label, pool, 1, Set.of(flagSegment));
                if (cancelled) {
                    Set<Long> alive = Procs.awaitGone(workers, 10_000);
                    if (variant == 3 && !alive.isEmpty()) {
                        // the cancel won the future after the answer was in: the task had finished,
                        // so its worker was kept, and after.check above has just run a task on it
                        tally.outcome("cancelled after the answer (worker kept)");
                    } else {
                        tally.strays(alive.size(), label + ": the cancelled task's worker is alive after 10 s: " + alive);
                    }
                }
                tally.addCase();
            }
        } finally {
            NativeShm.release(flags);
        }
        new Aftermath(tally).settle("after close", 0, Set.of());
    }
}
