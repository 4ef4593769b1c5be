package io.jshmex.bench.jmh;

import io.jshmex.ProcessPoolExecutor;
import io.jshmex.bench.SerializationPool;
import java.util.concurrent.ExecutionException;
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

/** A tiny task's round trip through a warm pool of one worker, jshmex and the serialization baseline. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class RoundTripBenchmark {
    private ProcessPoolExecutor jshmex;
    private SerializationPool serialization;
    private final double[] tiny = new double[10];

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        jshmex = new ProcessPoolExecutor(1);
        jshmex.prestartAllWorkers();
        serialization = new SerializationPool(1);
        // both children up before the first measured call
        tinyJshmex();
        tinySerialization();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        jshmex.close();
        serialization.close();
    }

    static double[] addOne(double[] x) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = x[i] + 1;
        }
        return r;
    }

    @Benchmark
    public double[] tinyJshmex() throws InterruptedException, ExecutionException {
        return jshmex.submit(RoundTripBenchmark::addOne, tiny).get();
    }

    @Benchmark
    public double[] tinySerialization() throws InterruptedException, ExecutionException {
        return serialization.submit(RoundTripBenchmark::addOne, tiny).get();
    }
}
