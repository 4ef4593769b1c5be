package io.jshmex.bench.jmh;

import io.jshmex.ProcessPoolExecutor;
import io.jshmex.transfer.Payload;
import io.jshmex.transfer.PayloadEncoder;
import io.jshmex.transfer.TransferLink;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of jshmex's object stream itself: a small graph, and a graph holding a 1 MB array, which
 * the encoder swaps for a reference (the copy into shared memory happens later, when the message
 * is sent, and is measured by {@link CopyBenchmark}). Plain serialization of the same big graph
 * shows what the swap saves. A graph holding an 8 KB array, below the threshold, travels inline:
 * its array as one block of bytes, against element by element in plain serialization.
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
    private Sample medium;
    private byte[] mediumStream;
    private byte[] mediumPlain;
    private TransferLink link;

    @Setup
    public void setUp() {
        small = new Sample("small", 1, new double[16], List.of("a", "b", "c"), Map.of("x", 1, "y", 2));
        big = new Sample("big", 2, new double[128 * 1024], List.of("a", "b", "c"), Map.of("x", 1, "y", 2));
        medium = new Sample("medium", 3, new double[1024], List.of("a", "b", "c"), Map.of("x", 1, "y", 2));
        link = new TransferLink(THRESHOLD, 30_000, false);
        try {
            mediumStream = PayloadEncoder.encode(medium, THRESHOLD, null).stream();
            mediumPlain = plain(medium);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @TearDown
    public void tearDown() {
        link.close();
    }

    private static byte[] plain(Object graph) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(graph);
        }
        return bytes.toByteArray();
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
        return plain(big);
    }

    @Benchmark
    public Payload encodeWith8KBArrayInline() throws IOException {
        return PayloadEncoder.encode(medium, THRESHOLD, null);
    }

    @Benchmark
    public Object decodeWith8KBArrayInline() throws IOException, ClassNotFoundException {
        return link.decode(mediumStream, List.of(), null);
    }

    @Benchmark
    public byte[] plainSerializationWith8KBArray() throws IOException {
        return plain(medium);
    }

    @Benchmark
    public Object plainDeserializationWith8KBArray() throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(mediumPlain))) {
            return in.readObject();
        }
    }
}
