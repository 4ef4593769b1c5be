package io.jshmex.testing;

import io.jshmex.NativeShm;
import io.jshmex.ProcessPoolExecutor;
import io.jshmex.SerializableFunction;
import io.jshmex.ShmException;
import io.jshmex.ShmSegment;
import io.jshmex.shm.MappedMemory;
import io.jshmex.shm.SegmentFile;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * The main class of child JVMs that tests start, so that a scenario can run in another process:
 * one that dies without cleaning up, one with its own GC threshold, or simply another mapping.
 *
 * <p>Sub-commands:
 * <ul>
 *   <li>{@code create-and-die N}: creates N segments, prints their names, halts without any cleanup</li>
 *   <li>{@code gc-pressure LOOPS DOUBLES}: allocates and drops {@code NativeShm.doubles(DOUBLES)}
 *       LOOPS times, then prints the peak and final mapped bytes</li>
 *   <li>{@code create-and-exit N}: creates N segments and one buffer, keeps them reachable and
 *       returns from main normally</li>
 *   <li>{@code attach-and-increment NAME}: adds 1 to every double of an existing segment, prints
 *       their sum before the increment</li>
 *   <li>{@code open-files}: opens one segment's file again and again until refused, prints how
 *       often and the refusal</li>
 *   <li>{@code mapping-limit VALUES}: under a small {@code -Djshmex.maxMappings}, creates segments
 *       until refused, then sends a pool VALUES buffers (a mapping each) and VALUES arrays (one
 *       block for all), printing what each step did</li>
 * </ul>
 */
public final class ChildMain {
    /** Reachable until the JVM ends, as a long-lived cache of segments would be. */
    private static final List<Object> HELD = new ArrayList<>();

    private ChildMain() {
    }

    public static void main(String[] args) {
        switch (args[0]) {
            case "create-and-die":
                createAndDie(Integer.parseInt(args[1]));
                break;
            case "gc-pressure":
                gcPressure(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
                break;
            case "create-and-exit":
                createAndExit(Integer.parseInt(args[1]));
                break;
            case "attach-and-increment":
                attachAndIncrement(args[1]);
                break;
            case "open-files":
                openFiles();
                break;
            case "mapping-limit":
                mappingLimit(Integer.parseInt(args[1]));
                break;
            default:
                System.out.println("unknown sub-command " + args[0]);
                System.exit(64);
        }
    }

    @SuppressWarnings("resource")
    private static void createAndDie(int count) {
        for (int i = 0; i < count; i++) {
            System.out.println("created " + NativeShm.create(4096).name());
        }
        System.out.flush();
        // halt skips shutdown hooks and finalization: exactly what a crash leaves behind
        Runtime.getRuntime().halt(0);
    }

    private static void createAndExit(int count) {
        for (int i = 0; i < count; i++) {
            ShmSegment segment = NativeShm.create(4096);
            HELD.add(segment);
            System.out.println("created " + segment.name());
        }
        HELD.add(NativeShm.doubles(100));
        System.out.flush();
    }

    private static void gcPressure(int loops, int doubles) {
        long peak = 0;
        for (int i = 0; i < loops; i++) {
            DoubleBuffer buffer = NativeShm.doubles(doubles);
            buffer.put(0, i);
            peak = Math.max(peak, MappedMemory.mappedBytes());
        }
        System.out.println("peak=" + peak);
        System.out.println("mapped=" + MappedMemory.mappedBytes());
        System.out.flush();
        // the last few buffers are still waiting for the GC; their names must not outlive us
        long deadline = System.currentTimeMillis() + 10_000;
        while (MappedMemory.mappedBytes() > 0 && System.currentTimeMillis() < deadline) {
            System.gc();
            sleep(20);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void openFiles() {
        List<SegmentFile> files = new ArrayList<>();
        try (ShmSegment segment = NativeShm.create(4096)) {
            try {
                while (files.size() < 100_000) {
                    files.add(SegmentFile.open(segment.name()));
                }
                System.out.println("refused=none");
            } catch (ShmException refused) {
                System.out.println("refused=" + refused.getMessage());
            }
            System.out.println("opened=" + files.size());
            files.forEach(SegmentFile::close);
        }
        System.out.flush();
    }

    private static void mappingLimit(int values) {
        System.out.println("pid=" + ProcessHandle.current().pid());
        List<ShmSegment> segments = new ArrayList<>();
        try {
            while (segments.size() <= MappedMemory.maxMappings()) {
                segments.add(NativeShm.create(4096));
            }
            System.out.println("refused=none");
        } catch (ShmException refused) {
            System.out.println("refused=" + refused.getMessage());
        }
        System.out.println("segments=" + segments.size());
        segments.forEach(ShmSegment::close);
        System.out.println("mappings after close=" + MappedMemory.mappings());

        ArrayList<DoubleBuffer> buffers = new ArrayList<>();
        ArrayList<double[]> arrays = new ArrayList<>();
        for (int i = 0; i < values; i++) {
            buffers.add(DoubleBuffer.wrap(new double[1024]).put(0, i));
            arrays.add(new double[1024]);
            arrays.get(i)[0] = i;
        }
        try (ProcessPoolExecutor pool = ProcessPoolExecutor.builder().maxWorkers(1).shmThresholdBytes(4096).build()) {
            pool.prestartAllWorkers();
            ProcessHandle.current().children().forEach(worker -> System.out.println("worker=" + worker.pid()));
            try {
                pool.submit((SerializableFunction<ArrayList<DoubleBuffer>, Integer>) ArrayList::size, buffers).get();
                System.out.println("buffers=sent");
            } catch (ExecutionException e) {
                System.out.println("buffers=" + e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage());
            }
            ArrayList<double[]> back = pool.submit((SerializableFunction<ArrayList<double[]>, ArrayList<double[]>>) a -> a,
                arrays).get();
            System.out.println("arrays=" + back.size() + " last=" + back.get(values - 1)[0]);
        } catch (InterruptedException | ExecutionException e) {
            System.out.println("arrays=" + e);
        }
        System.out.flush();
    }

    private static void attachAndIncrement(String name) {
        try (ShmSegment segment = NativeShm.attach(name)) {
            DoubleBuffer values = segment.asDoubleBuffer();
            double sum = 0;
            for (int i = 0; i < values.capacity(); i++) {
                sum += values.get(i);
                values.put(i, values.get(i) + 1);
            }
            System.out.println("sum=" + sum);
        }
    }
}
