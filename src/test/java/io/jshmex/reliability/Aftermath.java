package io.jshmex.reliability;

import io.jshmex.NativeShm;
import io.jshmex.ProcessPoolExecutor;
import io.jshmex.SerializableFunction;
import io.jshmex.shm.SegmentNames;
import io.jshmex.testing.PoolTestSupport;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The checks after one injected fault: no segment of this JVM or of its (present or past) children
 * left in {@code /dev/shm} beyond what the test holds, no more live children than the pool may
 * have, and the pool still runs a task correctly. Cleanup that goes through the garbage collector
 * or a replacement worker gets a few seconds before anything counts as left.
 *
 * <p>Segments of other processes on the machine (other builds share {@code /dev/shm}) are not
 * counted: only names whose creator pid is this JVM or a process this JVM started.
 */
final class Aftermath {
    private static final long PATIENCE_MS = 10_000;
    /**
     * Once something was found left, later checks of the same test wait this long instead: a bug
     * that leaves a segment per case must not make the suite wait ten seconds per case.
     */
    private static final long PATIENCE_AFTER_A_FINDING_MS = 300;
    private static final int HEALTH_DOUBLES = 1 << 17;

    private final Tally tally;
    private final Set<String> baseline;
    private final Set<String> counted = new HashSet<>();
    private final Set<Long> family = ConcurrentHashMap.newKeySet();
    private boolean findings;
    private final Set<Long> reportedCrashes = new HashSet<>();

    Aftermath(Tally tally) {
        this.tally = tally;
        this.baseline = new HashSet<>(NativeShm.list());
        family.add(ProcessHandle.current().pid());
        remember();
    }

    /** Notes the pids of the current descendants: their segments count as this test's. */
    void remember() {
        ProcessHandle.current().descendants().forEach(p -> family.add(p.pid()));
    }

    void remember(Collection<Long> pids) {
        family.addAll(pids);
    }

    /** This test's segments in /dev/shm now, except the ones it holds itself. */
    List<String> ours(Collection<String> held) {
        remember();
        return NativeShm.list().stream()
            .filter(name -> !baseline.contains(name) && !counted.contains(name) && !held.contains(name))
            .filter(name -> family.contains(SegmentNames.creatorPid(name)))
            .collect(Collectors.toList());
    }

    /**
     * Everything after one case: segments, processes, a task. Counts what is wrong in the tally
     * and returns whether all was well.
     *
     * @param pool the pool to prove usable, or null (a pool that was shut down on purpose)
     * @param maxChildren live children the pool may still have (its workers)
     */
    boolean check(String label, ProcessPoolExecutor pool, int maxChildren, Collection<String> held)
        throws InterruptedException {
        boolean ok = settle(label, maxChildren, held);
        if (pool != null) {
            ok &= healthy(label, pool);
        }
        return ok;
    }

    boolean check(String label, ProcessPoolExecutor pool, int maxChildren) throws InterruptedException {
        return check(label, pool, maxChildren, Set.of());
    }

    /** Segments and processes only. */
    boolean settle(String label, int maxChildren, Collection<String> held) throws InterruptedException {
        long deadline = System.currentTimeMillis() + (findings ? PATIENCE_AFTER_A_FINDING_MS : PATIENCE_MS);
        List<String> leaked;
        Set<Long> children;
        while (true) {
            leaked = ours(held);
            children = Procs.descendants();
            if ((leaked.isEmpty() && children.size() <= maxChildren) || System.currentTimeMillis() > deadline) {
                break;
            }
            System.gc();
            Thread.sleep(20);
        }
        boolean ok = crashReports(label);
        findings |= !leaked.isEmpty() || children.size() > maxChildren;
        if (!leaked.isEmpty()) {
            ok = false;
            counted.addAll(leaked);
            tally.leaked(leaked.size(), label + ": " + describe(leaked));
        }
        if (children.size() > maxChildren) {
            ok = false;
            tally.strays(children.size() - maxChildren, label + ": " + children.size() + " live children, at most "
                + maxChildren + " expected: " + children.stream().map(Aftermath::commandOf).collect(Collectors.toList()));
        }
        return ok;
    }

    /**
     * A JVM of this test that crashed writes hs_err_pid&lt;pid&gt;.log into its working directory,
     * which workers share with this JVM; each one found counts once, as a crash.
     */
    private boolean crashReports(String label) {
        boolean none = true;
        for (long pid : family) {
            java.nio.file.Path report = java.nio.file.Path.of(System.getProperty("user.dir"), "hs_err_pid" + pid + ".log");
            if (java.nio.file.Files.exists(report) && reportedCrashes.add(pid)) {
                none = false;
                tally.crash(label + ": process " + pid + " crashed, see " + report);
            }
        }
        return none;
    }

    private static String describe(List<String> names) {
        return names.stream().map(name -> {
            try {
                return name + " (" + java.nio.file.Files.size(java.nio.file.Path.of("/dev/shm", name)) + " bytes)";
            } catch (java.io.IOException e) {
                return name;
            }
        }).collect(Collectors.toList()).toString();
    }

    private static String commandOf(long pid) {
        return pid + ":" + ProcessHandle.of(pid).flatMap(p -> p.info().arguments())
            .map(args -> List.of(args).stream().filter(a -> !a.startsWith("-")).reduce((a, b) -> b).orElse(""))
            .orElse("?");
    }

    /** Runs a task whose 1 MB argument and result both travel through shared memory. */
    boolean healthy(String label, ProcessPoolExecutor pool) {
        double[] x = new double[HEALTH_DOUBLES];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        Future<double[]> f = null;
        try {
            f = pool.submit((SerializableFunction<double[], double[]>) PoolTestSupport::plusOne, x);
            double[] y = f.get(60, TimeUnit.SECONDS);
            for (int i = 0; i < y.length; i++) {
                if (y[i] != i + 1) {
                    tally.fail(label + ": the pool's next task returned a wrong value at " + i + ": " + y[i]);
                    return false;
                }
            }
            remember();
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            // cancel kills the worker, so that the next cases do not queue behind a lost reply
            f.cancel(true);
            tally.fail(label + ": the pool's next task neither completed nor failed within 60 s");
            return false;
        } catch (Exception e) {
            tally.fail(label + ": the pool's next task failed: " + e);
            return false;
        }
    }
}
