package io.jshmex.bench.jmh;

import io.jshmex.NativeShm;
import io.jshmex.ShmSegment;
import io.jshmex.shm.Mapping;
import io.jshmex.shm.SegmentDescriptor;
import io.jshmex.shm.SegmentNames;
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
 * 4 KiB page, into a segment already touched it is a plain memory copy. And the JDK's copy
 * between a heap array and a direct buffer against the library's native copy from the pinned array with stores that bypass the cache (which the library does only with
 * -Djshmex.pinnedCopies=true, set for this benchmark's fork), both ways, into memory already
 * touched.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Djshmex.pinnedCopies=true")
@State(Scope.Benchmark)
public class CopyBenchmark {
    static final int DOUBLES = 20_000_000;

    private double[] data;
    private double[] back;
    private ShmSegment reused;
    private Mapping block;

    @Setup(Level.Trial)
    public void setUp() {
        data = new double[DOUBLES];
        for (int i = 0; i < DOUBLES; i++) {
            data[i] = i;
        }
        reused = NativeShm.create(DOUBLES * 8L);
        reused.asDoubleBuffer().put(data);
        back = new double[DOUBLES];
        block = Mapping.create(SegmentNames.generate(), DOUBLES * 8L, SegmentDescriptor.TYPE_DOUBLE, DOUBLES);
        block.copyFromArray(0, data, 0, DOUBLES * 8L, false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        reused.close();
        block.close();
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

    @Benchmark
    public double intoSegmentJdkCopy() {
        return block.scratchView(0, DOUBLES * 8L).asDoubleBuffer().put(data).get(DOUBLES - 1);
    }

    @Benchmark
    public double intoSegmentPinnedNative() {
        block.copyFromArray(0, data, 0, DOUBLES * 8L, true);
        return block.scratchView((DOUBLES - 1) * 8L, 8).getDouble(0);
    }

    @Benchmark
    public double outOfSegmentJdkCopy() {
        block.scratchView(0, DOUBLES * 8L).asDoubleBuffer().get(back);
        return back[DOUBLES - 1];
    }

    @Benchmark
    public double outOfSegmentPinnedNative() {
        block.copyToArray(0, back, 0, DOUBLES * 8L, true);
        return back[DOUBLES - 1];
    }
}
