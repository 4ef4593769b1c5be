package io.jshmex.bench.jmh;

import io.jshmex.ProcessPoolExecutor;
import io.jshmex.transfer.Payload;
import io.jshmex.transfer.PayloadEncoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of jshmex's object stream itself: a small graph, and a graph holding a 1 MB array, which
 * the encoder swaps for a reference (the copy into shared memory happens later, when the message
 * is sent, and is measured by {@link CopyBenchmark}). Plain serialization of the same big graph
 * shows what the swap saves.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class ObjectStreamBenchmark {
    static final long THRESHOLD = ProcessPoolExecutor.DEFAULT_SHM_THRESHOLD_BYTES;

    /** A typical task argument: a few fields, a small array, a collection. */
    public record Sample(String name, int id, double[] values, List<String> tags, Map<String, Integer> counts)
        implements Serializable {
    }

    private Sample small;
    private Sample big;

    @Setup
    public void setUp() {
        small = new Sample("small", 1, new double[16], List.of("a", "b", "c"), Map.of("x", 1, "y", 2));
        big = new Sample("big", 2, new double[128 * 1024], List.of("a", "b", "c"), Map.of("x", 1, "y", 2));
    }

    @Benchmark
    public Payload encodeSmall() throws IOException {
        return PayloadEncoder.encode(small, THRESHOLD, null);
    }

    @Benchmark
    public Payload encodeWith1MBArray() throws IOException {
        return PayloadEncoder.encode(big, THRESHOLD, null);
    }

    @Benchmark
    public byte[] plainSerializationWith1MBArray() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(big);
        }
        return bytes.toByteArray();
    }
}
