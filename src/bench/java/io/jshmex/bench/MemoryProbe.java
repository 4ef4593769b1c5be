package io.jshmex.bench;

import io.jshmex.NativeShm;
import java.nio.DoubleBuffer;

/**
 * The memory case runs each contender in a JVM of its own, so that the peak PSS it reports is not
 * inflated by heap that earlier cases grew in the headline's JVM. Prints one line:
 * {@code memory idle=<bytes> peak=<bytes> samples=<count>} on stdout.
 */
final class MemoryProbe {
    private MemoryProbe() {
    }

    /** @param args contender, array length, warm-up rounds, measured rounds, sampling period in ms */
    static void main(String[] args) throws Exception {
        String kind = args[0];
        int n = Integer.parseInt(args[1]);
        int warmup = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        long periodMillis = Long.parseLong(args[4]);
        long self = ProcessHandle.current().pid();
        boolean zeroCopy = kind.equals(Contender.JSHMEX_ZERO_COPY);
        try (Contender contender = Contender.open(zeroCopy ? Contender.JSHMEX : kind, 1)) {
            contender.awaitWorkers();
            Round round = zeroCopy ? zeroCopyRound((Contender.Jshmex) contender, n) : heapRound(contender, kind, n);
            for (int i = 0; i < warmup; i++) {
                round.run();
            }
            long idle = PssSampler.totalPss(self);
            long peak;
            long samples;
            try (PssSampler sampler = PssSampler.start(self, periodMillis)) {
                for (int i = 0; i < rounds; i++) {
                    round.run();
                }
                peak = sampler.peakBytes();
                samples = sampler.sampleCount();
            }
            System.out.println("memory idle=" + idle + " peak=" + peak + " samples=" + samples);
            System.out.flush();
        }
    }

    /** One measured round trip. */
    @FunctionalInterface
    private interface Round {
        void run() throws Exception;
    }

    /** add_one on a heap array: the caller's input, a result array back. */
    private static Round heapRound(Contender contender, String kind, int n) {
        double[] x = Tasks.input(n);
        return () -> Tasks.checkAddOne(kind, x, contender.call(Tasks::addOne, x));
    }

    /** add_one with input and output in NativeShm buffers, made once: no heap copy of the data anywhere. */
    private static Round zeroCopyRound(Contender.Jshmex contender, int n) {
        DoubleBuffer in = NativeShm.doubles(n);
        DoubleBuffer out = NativeShm.doubles(n);
        for (int i = 0; i < n; i++) {
            in.put(i, i * 0.5);
        }
        return () -> {
            contender.pool.submit(Tasks.addOneInto(in, out)).get();
            if (out.get(n - 1) != in.get(n - 1) + 1) {
                throw new IllegalStateException(Contender.JSHMEX_ZERO_COPY + ": wrong result " + out.get(n - 1));
            }
        };
    }
}
