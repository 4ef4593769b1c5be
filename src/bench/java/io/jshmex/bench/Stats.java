package io.jshmex.bench;

import java.util.Arrays;

/** Order statistics of one contender's samples (any unit; the caller knows which). */
final class Stats {
    final double median;
    final double min;
    final double max;
    final double p99;
    final int n;

    private Stats(double median, double min, double max, double p99, int n) {
        this.median = median;
        this.min = min;
        this.max = max;
        this.p99 = p99;
        this.n = n;
    }

    static Stats of(double[] samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        double[] s = samples.clone();
        Arrays.sort(s);
        int n = s.length;
        double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        // nearest rank: with fewer than 100 samples this is the maximum, never an interpolation
        double p99 = s[Math.min(n - 1, (int) Math.ceil(0.99 * n) - 1)];
        return new Stats(median, s[0], s[n - 1], p99, n);
    }
}
