package io.jshmex.bench.jmh;

import io.jshmex.NativeShm;
import io.jshmex.ShmSegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a segment costs before any byte is touched: shm_open, posix_fallocate, mmap, header,
 * munmap and shm_unlink. With nothing touched, size should hardly matter.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SegmentBenchmark {
    @Benchmark
    public long createCloseEmpty() {
        try (ShmSegment segment = NativeShm.create(0)) {
            return segment.byteSize();
        }
    }

    @Benchmark
    public long createClose1MiB() {
        try (ShmSegment segment = NativeShm.create(1 << 20)) {
            return segment.byteSize();
        }
    }
}
