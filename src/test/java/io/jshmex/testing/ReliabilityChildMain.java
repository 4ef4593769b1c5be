package io.jshmex.testing;

import io.jshmex.NativeShm;
import io.jshmex.ProcessPoolExecutor;
import io.jshmex.SerializableCallable;
import io.jshmex.SerializableFunction;
import io.jshmex.ShmSegment;
import io.jshmex.ShmSpaceException;
import io.jshmex.shm.MappedMemory;
import io.jshmex.shm.Shm;
import java.nio.DoubleBuffer;
import java.nio.IntBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Child JVMs of the reliability suite: scenarios that need a process of their own, because the
 * test kills it, or runs it in a mount namespace with a small private /dev/shm.
 *
 * <ul>
 *   <li>{@code parent-loop MB}: a pool of two workers that moves MB-sized arrays and buffers back
 *       and forth forever; prints {@code worker <pid>} for each worker, then {@code ready}. The test
 *       kills it with SIGKILL.</li>
 *   <li>{@code shm-full}: about twenty transfers against a small /dev/shm, some of which cannot fit;
 *       prints one {@code case} line each and a {@code summary} line.</li>
 *   <li>{@code pressure ROUNDS}: round trips of 160 MB direct buffers that nobody releases; prints
 *       the peak of /dev/shm in use and a {@code summary} line.</li>
 * </ul>
 */
public final class ReliabilityChildMain {
    private static final int DOUBLES_PER_MB = 131072;

    private ReliabilityChildMain() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "parent-loop":
                parentLoop(Integer.parseInt(args[1]));
                break;
            case "shm-full":
                shmFull();
                break;
            case "pressure":
                pressure(Integer.parseInt(args[1]));
                break;
            default:
                System.out.println("unknown sub-command " + args[0]);
                System.exit(64);
        }
        System.out.flush();
    }

    // ---- parent-loop ----

    private static void parentLoop(int mb) throws Exception {
        ProcessPoolExecutor pool = ProcessPoolExecutor.builder().maxWorkers(2).build();
        pool.prestartAllWorkers();
        double[] x = new double[mb * DOUBLES_PER_MB];
        // a user's segment, which travels by name: a dead parent leaves it too
        DoubleBuffer shared = NativeShm.doubles(DOUBLES_PER_MB);
        List<Future<?>> warm = List.of(pool.submit(PoolTestSupport::plusOne, x),
            pool.submit(PoolTestSupport::plusOne, x));
        for (Future<?> f : warm) {
            f.get();
        }
        ProcessHandle.current().children().forEach(p -> System.out.println("worker " + p.pid()));
        System.out.println("ready");
        System.out.flush();
        for (long round = 0; ; round++) {
            Future<double[]> a = pool.submit(PoolTestSupport::plusOne, x);
            Future<DoubleBuffer> b = pool.submit((SerializableCallable<DoubleBuffer>) () -> {
                shared.put(0, shared.get(0) + 1);
                DoubleBuffer out = NativeShm.doubles(mb * DOUBLES_PER_MB);
                out.put(0, 1);
                return out;
            });
            a.get();
            b.get();
        }
    }

    // ---- shm-full ----

    private static int cases;
    private static int ok;
    private static int space;
    private static int mismatches;

    private static void shmFull() throws Exception {
        System.out.println("total=" + Shm.totalBytes());
        try (ProcessPoolExecutor pool = ProcessPoolExecutor.builder().maxWorkers(2).build()) {
            pool.prestartAllWorkers();
            roundTrip(pool, "round trip 4 MB", 4, "ok");
            roundTrip(pool, "round trip 8 MB", 8, "ok");
            roundTrip(pool, "round trip 100 MB (the argument cannot fit)", 100, "space");
            roundTrip(pool, "round trip 4 MB after a refused one", 4, "ok");
            // fits only if the argument's block is given back before the result's is made
            roundTrip(pool, "round trip 40 MB (argument and result do not fit side by side)", 40, "either");
            roundTrip(pool, "round trip 8 MB after a refused one", 8, "ok");
            check("28 MB result from a small argument", "ok", () -> {
                int n = 28 * DOUBLES_PER_MB;
                double[] y = pool.submit((SerializableCallable<double[]>) () -> filled(n, 5)).get(60, TimeUnit.SECONDS);
                return verify(y, 5);
            });
            check("28 MB argument, small result", "ok", () -> {
                double[] x = filled(28 * DOUBLES_PER_MB, 6);
                double sum = pool.submit((SerializableFunction<double[], Double>) ReliabilityChildMain::last, x)
                    .get(60, TimeUnit.SECONDS);
                return sum == x[x.length - 1];
            });
            check("NativeShm.doubles of 80 MB in the caller", "space", () -> NativeShm.doubles(10 * 1024 * 1024) == null);
            check("NativeShm.doubles of 80 MB inside a task", "space", () -> pool.submit(
                (SerializableCallable<Integer>) () -> NativeShm.doubles(10 * 1024 * 1024).capacity()).get(60, TimeUnit.SECONDS) < 0);
            // only the pool's idle transfer blocks stand between the user and 40 MB here: the pool
            // must give them back on the user's demand
            ShmSegment[] held = new ShmSegment[1];
            check("the user creates a 40 MB segment (the idle pool gives its blocks back)", "ok", () -> {
                held[0] = NativeShm.create(40L << 20);
                held[0].asByteBuffer().put(0, (byte) 1);
                return true;
            });
            if (held[0] != null) {
                roundTrip(pool, "round trip 4 MB while the user holds 40 MB", 4, "ok");
                roundTrip(pool, "round trip 16 MB while the user holds 40 MB", 16, "either");
                held[0].close();
            }
            roundTrip(pool, "round trip 16 MB once the user let go of 40 MB", 16, "ok");
            check("100 MB and 4 MB at once, on two workers", "ok", () -> {
                Future<double[]> big = pool.submit(PoolTestSupport::plusOne, new double[100 * DOUBLES_PER_MB]);
                Future<double[]> small = pool.submit(PoolTestSupport::plusOne, filled(4 * DOUBLES_PER_MB, 7));
                boolean smallOk = verify(small.get(60, TimeUnit.SECONDS), 8);
                try {
                    big.get(60, TimeUnit.SECONDS);
                    return false;
                } catch (ExecutionException e) {
                    return smallOk && spaceException(e) != null;
                }
            });
            check("two 20 MB round trips at once (one may be refused)", "either", () -> {
                Future<double[]> a = pool.submit(PoolTestSupport::plusOne, filled(20 * DOUBLES_PER_MB, 1));
                Future<double[]> b = pool.submit(PoolTestSupport::plusOne, filled(20 * DOUBLES_PER_MB, 2));
                return verify(a.get(60, TimeUnit.SECONDS), 2) & verify(b.get(60, TimeUnit.SECONDS), 3);
            });
            // a 24 MB round trip leaves a 24 MB block kept on each side: 36 MB fits only if they go
            roundTrip(pool, "round trip 24 MB", 24, "ok");
            check("the user creates a 36 MB segment right after it (the idle pool gives its blocks back)", "ok", () -> {
                try (ShmSegment segment = NativeShm.create(36L << 20)) {
                    segment.asByteBuffer().put(0, (byte) 1);
                    return true;
                }
            });
            for (int i = 0; i < 4; i++) {
                roundTrip(pool, "round trip 1 MB (" + i + ")", 1, "ok");
            }
            check("int buffer of 4 MB through a task", "ok", () -> {
                IntBuffer in = NativeShm.ints(DOUBLES_PER_MB * 2);
                in.put(0, 41);
                int got = pool.submit((SerializableCallable<Integer>) () -> in.get(0) + 1).get(60, TimeUnit.SECONDS);
                NativeShm.release(in);
                return got == 42;
            });
        }
        long left;
        try (Stream<Path> files = Files.list(Path.of("/dev/shm"))) {
            left = files.filter(p -> p.getFileName().toString().startsWith("jshmex")).count();
        }
        System.out.println("summary cases=" + cases + " ok=" + ok + " space=" + space + " mismatches=" + mismatches
            + " left=" + left + " total=" + Shm.totalBytes() + " free=" + Shm.freeBytes());
    }

    private static void roundTrip(ProcessPoolExecutor pool, String name, int mb, String expected) {
        check(name, expected, () -> {
            double[] x = filled(mb * DOUBLES_PER_MB, mb);
            return verify(pool.submit(PoolTestSupport::plusOne, x).get(60, TimeUnit.SECONDS), mb + 1);
        });
    }

    private interface Case {
        boolean run() throws Exception;
    }

    /** Runs one case and prints {@code case N <expected> <outcome> <name> <detail>}. */
    private static void check(String name, String expected, Case body) {
        cases++;
        long started = System.nanoTime();
        String outcome;
        String detail = "";
        try {
            outcome = body.run() ? "ok" : "wrong";
        } catch (Exception | Error e) {
            ShmSpaceException full = spaceException(e);
            if (full != null && full.getMessage().contains("asked for") && full.getMessage().contains("free")) {
                outcome = "space";
                detail = full.getMessage().substring(0, Math.min(160, full.getMessage().length()));
            } else {
                outcome = "other";
                detail = chain(e);
            }
        }
        if (outcome.equals("ok")) {
            ok++;
        } else if (outcome.equals("space")) {
            space++;
        }
        boolean matches = outcome.equals(expected) || (expected.equals("either") && !outcome.equals("wrong")
            && !outcome.equals("other"));
        if (!matches) {
            mismatches++;
        }
        System.out.println("case " + cases + " expected=" + expected + " outcome=" + outcome + " " + name + " ("
            + (System.nanoTime() - started) / 1_000_000 + " ms)" + (detail.isEmpty() ? "" : " :: " + detail));
        System.out.flush();
    }

    private static ShmSpaceException spaceException(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ShmSpaceException) {
                return (ShmSpaceException) t;
            }
        }
        return null;
    }

    private static String chain(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null && text.length() < 400; t = t.getCause()) {
            text.append(text.length() == 0 ? "" : " <- ").append(t.getClass().getSimpleName()).append(": ")
                .append(t.getMessage());
        }
        return text.toString().replace('\n', ' ');
    }

    static double[] filled(int n, double value) {
        double[] x = new double[n];
        java.util.Arrays.fill(x, value);
        return x;
    }

    static double last(double[] x) {
        return x[x.length - 1];
    }

    private static boolean verify(double[] y, double value) {
        for (double v : y) {
            if (v != value) {
                return false;
            }
        }
        return true;
    }

    // ---- pressure ----

    private static void pressure(int rounds) throws Exception {
        int n = 20_000_000;
        long total = Shm.totalBytes();
        long baseline = total - Shm.freeBytes();
        long peakUsed = 0;
        long peakMapped = 0;
        int wrong = 0;
        int done = 0;
        String failure = "none";
        long started = System.nanoTime();
        try (ProcessPoolExecutor pool = ProcessPoolExecutor.builder().maxWorkers(1).build()) {
            DoubleBuffer arg = DoubleBuffer.allocate(n);
            for (int round = 0; round < rounds; round++) {
                double first = arg.get(0);
                DoubleBuffer out;
                try {
                    // the task gets 160 MB in and hands 160 MB back; nobody calls NativeShm.release
                    out = pool.submit((SerializableFunction<DoubleBuffer, DoubleBuffer>) in -> {
                        DoubleBuffer result = NativeShm.doubles(in.capacity());
                        result.put(0, in.get(0) + 1);
                        result.put(in.capacity() - 1, in.get(0) + 1);
                        return result;
                    }, arg).get(120, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    failure = "round " + round + ": " + chain(e);
                    break;
                }
                if (out.capacity() != n || out.get(0) != first + 1 || out.get(n - 1) != first + 1) {
                    wrong++;
                }
                arg = out;
                done++;
                long used = total - Shm.freeBytes() - baseline;
                if (Boolean.getBoolean("jshmex.reliability.trace")) {
                    System.out.println("round " + round + " " + (System.nanoTime() - started) / 1_000_000 + " ms, mapped "
                        + MappedMemory.mappedBytes() / (1 << 20) + " MiB, used " + used / (1 << 20) + " MiB");
                }
                peakUsed = Math.max(peakUsed, used);
                peakMapped = Math.max(peakMapped, MappedMemory.mappedBytes());
            }
        }
        System.out.println("summary rounds=" + done + " wrong=" + wrong + " peakUsed=" + peakUsed + " peakMapped="
            + peakMapped + " total=" + total + " gcThreshold=" + MappedMemory.gcThreshold() + " seconds="
            + (System.nanoTime() - started) / 1_000_000_000 + " failure=" + failure.replace('\n', ' '));
    }
}
