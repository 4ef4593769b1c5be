package io.jshmex.bench.jmh;

import io.jshmex.NativeShm;
import io.jshmex.ShmSegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Why jshmex reuses its transfer memory: copying 160 MB into a fresh segment pays a page fault per
 * 4 KiB page, into a segment already touched it is a plain memory copy.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class CopyBenchmark {
    static final int DOUBLES = 20_000_000;

    private double[] data;
    private ShmSegment reused;

    @Setup(Level.Trial)
    public void setUp() {
        data = new double[DOUBLES];
        for (int i = 0; i < DOUBLES; i++) {
            data[i] = i;
        }
        reused = NativeShm.create(DOUBLES * 8L);
        reused.asDoubleBuffer().put(data);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        reused.close();
    }

    @Benchmark
    public double freshSegment() {
        try (ShmSegment segment = NativeShm.create(DOUBLES * 8L)) {
            return segment.asDoubleBuffer().put(data).get(DOUBLES - 1);
        }
    }

    @Benchmark
    public double reusedSegment() {
        return reused.asDoubleBuffer().put(data).get(DOUBLES - 1);
    }
}
