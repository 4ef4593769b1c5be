package io.jshmex.reliability;

import io.jshmex.NativeShm;
import io.jshmex.ProcessPoolExecutor;
import io.jshmex.SerializableCallable;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.PoolTestSupport;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * cancel(true) on tasks still in the queue, behind a task that holds the only worker. A cancelled
 * task must never run (each task raises its own flag in shared memory when it runs), its neighbours
 * in the queue must run and return the right value, and the arrays it carried must not stay in
 * /dev/shm.
 */
@ExtendWith(Report.class)
class CancelQueuedTest extends LeakCheckedTest {
    private static final int PER_ROUND = 4;
    private static final int BLOCKER_STARTED = 0;
    private static final int BLOCKER_RELEASE = 1;
    private static final int FIRST_TASK = 2;

    @Test
    void cancelledQueuedTasksNeverRunAndLeaveNothing() throws Exception {
        Tally.run(Fault.CANCEL_QUEUED, this::inject);
    }

    private void inject(Tally tally) throws Exception {
        int cancels = Scale.of(20, 100);
        Random random = new Random();
        try (PoolGuard guard = new PoolGuard(ProcessPoolExecutor.builder().maxWorkers(1).build(), tally)) {
            ProcessPoolExecutor pool = guard.pool;
            pool.prestartAllWorkers();
            Aftermath after = new Aftermath(tally);
            for (int round = 0; tally.caseCount() < cancels; round++) {
                IntBuffer flags = NativeShm.ints(FIRST_TASK + PER_ROUND);
                String label = "round " + round;
                Future<?> blocker = pool.submit((SerializableCallable<Integer>) () -> {
                    flags.put(BLOCKER_STARTED, 1);
                    Shared.spinUntil(flags, BLOCKER_RELEASE);
                    return 0;
                });
                if (!Shared.await(flags, BLOCKER_STARTED, 60_000)) {
                    tally.fail(label + ": the blocking task did not start");
                }
                List<Future<double[]>> queued = new ArrayList<>();
                for (int t = 0; t < PER_ROUND; t++) {
                    int index = FIRST_TASK + t;
                    // half of them carry an array that goes through shared memory, half a small one
                    double[] arg = new double[t % 2 == 0 ? 1 << 18 : 16];
                    arg[0] = t;
                    queued.add(pool.submit((SerializableCallable<double[]>) () -> {
                        flags.put(index, 1);
                        return PoolTestSupport.plusOne(arg);
                    }));
                }
                // cancel two of the four, at random
                List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3));
                java.util.Collections.shuffle(order, random);
                Set<Integer> cancelled = Set.of(order.get(0), order.get(1));
                for (int t : cancelled) {
                    if (!queued.get(t).cancel(true)) {
                        tally.fail(label + ": cancel(true) of queued task " + t + " returned false");
                    }
                    tally.addCase();
                }
                flags.put(BLOCKER_RELEASE, 1);
                blocker.get(60, TimeUnit.SECONDS);
                for (int t = 0; t < PER_ROUND; t++) {
                    Future<double[]> f = queued.get(t);
                    if (cancelled.contains(t)) {
                        try {
                            f.get(60, TimeUnit.SECONDS);
                            tally.fail(label + ": cancelled task " + t + " returned a value");
                        } catch (CancellationException expected) {
                            // what a cancelled future does
                        }
                    } else {
                        try {
                            double[] y = f.get(60, TimeUnit.SECONDS);
                            if (y[0] != t + 1) {
                                tally.fail(label + ": task " + t + " next to cancelled ones returned " + y[0]);
                            }
                        } catch (ExecutionException e) {
                            tally.fail(label + ": task " + t + " next to cancelled ones failed: " + Causes.chain(e));
                        }
                    }
                }
                after.check(label, pool, 1, Set.of(Shared.segmentOf(flags)));
                for (int t : cancelled) {
                    if (flags.get(FIRST_TASK + t) != 0) {
                        tally.fail(label + ": cancelled task " + t + " ran in the worker all the same");
                    }
                }
                NativeShm.release(flags);
            }
        }
        new Aftermath(tally).settle("after close", 0, Set.of());
    }
}
