package io.jshmex.bench;

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
        double[] x = Tasks.input(n);
        try (Contender contender = Contender.open(kind, 1)) {
            contender.awaitWorkers();
            for (int i = 0; i < warmup; i++) {
                Tasks.checkAddOne(kind, x, contender.call(Tasks::addOne, x));
            }
            long idle = PssSampler.totalPss(self);
            long peak;
            long samples;
            try (PssSampler sampler = PssSampler.start(self, periodMillis)) {
                for (int i = 0; i < rounds; i++) {
                    Tasks.checkAddOne(kind, x, contender.call(Tasks::addOne, x));
                }
                peak = sampler.peakBytes();
                samples = sampler.sampleCount();
            }
            System.out.println("memory idle=" + idle + " peak=" + peak + " samples=" + samples);
            System.out.flush();
        }
    }
}
