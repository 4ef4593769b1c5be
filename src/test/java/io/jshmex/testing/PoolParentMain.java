package io.jshmex.testing;

import io.jshmex.NativeShm;
import io.jshmex.ProcessPoolExecutor;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A pool owner that a test kills: it starts a pool of two workers, keeps one busy with a task
 * that holds shared memory, prints {@code worker=PID} for each worker and {@code ready}, and
 * then waits to be killed. The busy worker prints {@code running=PID} itself (its stdout reaches
 * ours through the pool).
 */
public final class PoolParentMain {
    /** Kept reachable in the worker so that its segment is still there when the parent dies. */
    private static final List<Object> HELD = new ArrayList<>();

    private PoolParentMain() {
    }

    public static void main(String[] args) throws Exception {
        ProcessPoolExecutor pool = new ProcessPoolExecutor(2);
        pool.prestartAllWorkers();
        // big enough to travel through shared memory made by this process
        double[] payload = new double[200_000];
        pool.submit(() -> {
            DoubleBuffer mine = NativeShm.doubles(100_000);
            HELD.add(mine);
            System.out.println("running=" + ProcessHandle.current().pid());
            System.out.flush();
            Thread.sleep(600_000);
            return payload.length;
        });
        long deadline = System.currentTimeMillis() + 60_000;
        Set<Long> workers = PoolTestSupport.descendantPids();
        while (workers.size() < 2 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
            workers = PoolTestSupport.descendantPids();
        }
        for (long pid : workers) {
            System.out.println("worker=" + pid);
        }
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
