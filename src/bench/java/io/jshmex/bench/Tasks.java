package io.jshmex.bench;

import io.jshmex.NativeShm;
import io.jshmex.RecordTable;
import io.jshmex.SerializableCallable;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.List;

/** The work the benchmarks send to the pools, and the checks of what comes back. */
final class Tasks {
    /** Passes of sqrt/sin per element in the compute-heavy task: compute, not transfer, must dominate. */
    static final int HEAVY_PASSES = 20;

    private Tasks() {
    }

    /** npshmex's {@code add_one}: a new array {@code x + 1}. */
    static double[] addOne(double[] x) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = x[i] + 1;
        }
        return r;
    }

    /** {@link #addOne} on each array of a message. */
    static ArrayList<double[]> addOneEach(ArrayList<double[]> xs) {
        ArrayList<double[]> r = new ArrayList<>(xs.size());
        for (double[] x : xs) {
            r.add(addOne(x));
        }
        return r;
    }

    static void checkAddOneEach(String who, List<double[]> xs, List<double[]> result) {
        if (result.size() != xs.size()) {
            throw new IllegalStateException(who + " returned " + result.size() + " arrays instead of " + xs.size());
        }
        for (int i = 0; i < xs.size(); i++) {
            checkAddOne(who, xs.get(i), result.get(i));
        }
    }

    /** A record with primitive components, as in physics event data: the records case. */
    record Hit(double time, long channel, float area, int flags) implements java.io.Serializable {
    }

    static Hit[] hits(int n) {
        Hit[] hits = new Hit[n];
        for (int i = 0; i < n; i++) {
            hits[i] = new Hit(i * 0.5, i, i * 0.25f, i % 7);
        }
        return hits;
    }

    /** Every hit a microsecond later: a new array of new records, as a task would return. */
    static Hit[] shiftHits(Hit[] hits) {
        Hit[] r = new Hit[hits.length];
        for (int i = 0; i < hits.length; i++) {
            Hit h = hits[i];
            r[i] = new Hit(h.time() + 1, h.channel(), h.area(), h.flags());
        }
        return r;
    }

    /** Every hit a microsecond later, in place: the table's time column, no record made. */
    static RecordTable<Hit> shiftTimes(RecordTable<Hit> table) {
        DoubleBuffer time = table.doubles("time");
        for (int i = 0; i < table.size(); i++) {
            time.put(i, time.get(i) + 1);
        }
        return table;
    }

    /** After {@code shifts} rounds of {@link #shiftTimes}, the table holds the hits shifted that often. */
    static void checkShiftedTable(Hit[] in, RecordTable<Hit> table, int shifts) {
        for (int i = 0; i < in.length; i += Math.max(1, in.length / 997)) {
            Hit h = in[i];
            if (!table.get(i).equals(new Hit(h.time() + shifts, h.channel(), h.area(), h.flags()))) {
                throw new IllegalStateException("record table: wrong record at " + i + ": " + table.get(i));
            }
        }
    }

    static void checkShiftHits(String who, Hit[] in, Object result) {
        Hit[] r = (Hit[]) result;
        if (r.length != in.length) {
            throw new IllegalStateException(who + ": " + r.length + " records back, " + in.length + " sent");
        }
        for (int i = 0; i < in.length; i += Math.max(1, in.length / 997)) {
            Hit h = in[i];
            if (!r[i].equals(new Hit(h.time() + 1, h.channel(), h.area(), h.flags()))) {
                throw new IllegalStateException(who + ": wrong record at " + i + ": " + r[i]);
            }
        }
    }

    /** Enough arithmetic per element that moving the array is a small part of the task. */
    static double[] heavy(double[] x) {
        double[] r = x.clone();
        for (int pass = 0; pass < HEAVY_PASSES; pass++) {
            for (int i = 0; i < r.length; i++) {
                r[i] = Math.sqrt(Math.abs(Math.sin(r[i]) * 3.0 + r[i] * 0.5));
            }
        }
        return r;
    }

    /** The worker's pid after a pause long enough that the other workers get tasks of their own. */
    static Long pidAfter(Integer millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ProcessHandle.current().pid();
    }

    static Integer plusOne(Integer x) {
        return x + 1;
    }

    /** The zero-copy form: the task writes {@code in + 1} into the caller's {@code out}. */
    static SerializableCallable<Void> addOneInto(DoubleBuffer in, DoubleBuffer out) {
        return () -> {
            int n = in.capacity();
            for (int i = 0; i < n; i++) {
                out.put(i, in.get(i) + 1);
            }
            return null;
        };
    }

    /** The task allocates its result in shared memory and returns it. */
    static SerializableCallable<DoubleBuffer> addOneToNew(DoubleBuffer in) {
        return () -> {
            int n = in.capacity();
            DoubleBuffer r = NativeShm.doubles(n);
            for (int i = 0; i < n; i++) {
                r.put(i, in.get(i) + 1);
            }
            return r;
        };
    }

    /** Values whose {@code + 1} is exact, so results can be compared with {@code ==}. */
    static double[] input(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = (i % 1000) * 0.5;
        }
        return x;
    }

    static DoubleBuffer input(DoubleBuffer into) {
        for (int i = 0; i < into.capacity(); i++) {
            into.put(i, (i % 1000) * 0.5);
        }
        return into;
    }

    /** Throws unless {@code r} is exactly {@code x + 1} (every element: wrong data must not pass as fast). */
    static void checkAddOne(String who, double[] x, Object result) {
        if (!(result instanceof double[])) {
            throw new IllegalStateException(who + " returned " + describe(result) + " instead of a double[]");
        }
        double[] r = (double[]) result;
        if (r.length != x.length) {
            throw new IllegalStateException(who + " returned " + r.length + " elements instead of " + x.length);
        }
        for (int i = 0; i < x.length; i++) {
            if (r[i] != x[i] + 1) {
                throw new IllegalStateException(who + " returned a wrong value at index " + i + " of " + x.length
                    + ": " + r[i] + " instead of " + (x[i] + 1));
            }
        }
    }

    static void checkAddOne(String who, DoubleBuffer in, DoubleBuffer out, int[] probes) {
        for (int i : probes) {
            double want = in.get(i) + 1;
            if (out.get(i) != want) {
                throw new IllegalStateException(who + ": wrong value at index " + i + " of " + in.capacity() + ": "
                    + out.get(i) + " instead of " + want);
            }
        }
    }

    static String describe(Object value) {
        return value == null ? "null" : value.getClass().getName();
    }
}
