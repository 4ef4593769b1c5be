package io.jshmex.testing;

import io.jshmex.ProcessPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Moves a double[] larger than 2 GiB through a one-worker pool and back, in a JVM of its own with
 * heap enough for two such arrays. Arguments: the element count, then the worker's JVM arguments. Prints {@code key=value} lines and exits 0 when every check
 * passes, 1 with a {@code FAIL} line when one does not.
 *
 * <p>Elements are {@code i % 1009}: a function of the index, so the caller need not keep the
 * original to check what came back, and whole numbers, so their sum is exact in a double.
 */
public final class LargeArrayMain {
    private static final int MODULUS = 1009;

    private LargeArrayMain() {
    }

    static double expected(long i) {
        return i % MODULUS;
    }

    static double sum(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum;
    }

    static double[] identity(double[] values) {
        return values;
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        String[] workerJvmArgs = java.util.Arrays.copyOfRange(args, 1, args.length);
        long expectedSum = 0;
        for (long i = 0; i < n; i++) {
            expectedSum += i % MODULUS;
        }
        int failures = 0;
        try (ProcessPoolExecutor pool = ProcessPoolExecutor.builder().maxWorkers(1).jvmArgs(workerJvmArgs).build()) {
            double[] big = new double[n];
            for (int i = 0; i < n; i++) {
                big[i] = expected(i);
            }
            System.out.println("bytes=" + 8L * n);

            double sum = pool.submit(LargeArrayMain::sum, big).get(600, TimeUnit.SECONDS);
            System.out.println("sum=" + (long) sum);
            failures += check("sum", expectedSum, sum);

            double[] back = pool.submit(LargeArrayMain::identity, big).get(600, TimeUnit.SECONDS);
            big = null;
            System.out.println("length=" + back.length);
            failures += check("length", n, back.length);
            failures += check("first", expected(0), back[0]);
            failures += check("middle", expected(n / 2), back[n / 2]);
            failures += check("last", expected(n - 1L), back[n - 1]);
            for (long i = 0; i < n; i += 1_000_003) {
                failures += check("element " + i, expected(i), back[(int) i]);
            }
        }
        System.out.println("failures=" + failures);
        System.out.flush();
        System.exit(failures == 0 ? 0 : 1);
    }

    private static int check(String what, double expected, double actual) {
        if (Double.compare(expected, actual) == 0) {
            return 0;
        }
        System.out.println("FAIL " + what + ": expected " + expected + ", got " + actual);
        return 1;
    }
}
