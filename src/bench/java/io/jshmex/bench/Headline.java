package io.jshmex.bench;

import io.jshmex.NativeShm;
import io.jshmex.RecordTable;
import io.jshmex.SerializableCallable;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.DoubleBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The README's headline: jshmex against a plain Java-serialization process pool and against
 * threads in the same JVM, measured side by side in one run on this machine.
 *
 * <p>Within each case the contenders take turns (A B C A B C ...), so that a slow spell of the
 * machine hits all of them alike; warm-up rounds are run the same way and discarded. Results are
 * medians with min-max; every result is checked, so that wrong data cannot pass as fast data.
 *
 * <pre>
 * java -Xms3g -Xmx3g -XX:+AlwaysPreTouch --enable-native-access=ALL-UNNAMED -jar target/jshmex-bench.jar [--cases addone,tiny,...]
 *      [--quick] [--rounds N] [--out DIR]
 * </pre>
 */
public final class Headline {
    static final int ADDONE_N = 20_000_000;
    static final int TINY_N = 10;
    static final int TINY_BLOCK = 100;
    static final int SCALING_N = 2_000_000;
    static final int MAP_ITEMS = 10_000;
    static final int PSS_PERIOD_MILLIS = 5;
    static final int[] SWEEP_SIZES = {1_000, 10_000, 100_000, 1_000_000, 10_000_000, 50_000_000};
    /** A quick look leaves out the largest sizes: one serialization round trip of 400 MB takes seconds. */
    static final int QUICK_SWEEP_MAX = 10_000_000;
    static final int RECORDS_N = 1_000_000;
    /** The records case's fourth row: the records as a {@link RecordTable}, shifted in place. */
    static final String RECORD_TABLE = "jshmex RecordTable";
    /** Array sizes (doubles) around the default shared-memory threshold. */
    static final int[] THRESHOLD_SIZES = {256, 512, 1_024, 2_048, 4_096, 8_192, 32_768};
    /** Round trips per block of the threshold case, and blocks of warm-up and measured per size. */
    static final int THRESHOLD_BLOCK = 50;
    static final int THRESHOLD_WARM_BLOCKS = 60;
    static final int THRESHOLD_BLOCKS = 20;
    /** The many case: arrays per message, and doubles in each (32 KiB). */
    static final int MANY_ARRAYS = 64;
    static final int MANY_N = 4_096;
    static final List<String> CASES = List.of("addone", "zerocopy", "allocreturn", "tiny", "sweep", "scaling",
        "memory", "start", "map", "records", "threshold", "many");

    private static final String ZERO_COPY = "jshmex zero-copy";
    private static final String ALLOC_RETURN = "jshmex alloc+return";

    private final Options options;
    private final Report report = new Report();
    private final Map<String, Contender> pools = new LinkedHashMap<>();
    private final Map<String, String> run = new LinkedHashMap<>();

    private Headline(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--memory-probe")) {
            MemoryProbe.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        if (options == null) {
            System.out.println(Options.USAGE);
            return;
        }
        if (!NativeShm.isAvailable()) {
            System.err.println("error: jshmex's native layer is not available here: " + NativeShm.unavailabilityCause());
            System.exit(1);
        }
        Headline headline = new Headline(options);
        Thread cleanup = new Thread(headline::closePools, "headline-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        int status = headline.runAll();
        Runtime.getRuntime().removeShutdownHook(cleanup);
        System.exit(status);
    }

    private int runAll() throws IOException {
        Exception failure = null;
        long started = System.nanoTime();
        describeRun();
        titleCases();
        progress("run", "cases " + String.join(",", options.cases) + (options.quick ? " (quick)" : "") + " on "
            + run.get("cpus") + " CPUs, " + run.get("java") + ", collector " + run.get("gc")
            + " (every JVM of the run); load average " + run.get("load_before"));
        try {
            timed("start", this::start);
            if (options.has("addone") || options.has("zerocopy") || options.has("allocreturn")) {
                timed("addone", this::addOneGroup);
            }
            timed("tiny", this::tiny);
            timed("records", this::records);
            timed("threshold", this::threshold);
            timed("many", this::many);
            timed("sweep", this::sweep);
            timed("scaling", this::scaling);
            timed("map", this::map);
            // the memory probes run in JVMs of their own: nothing of ours should share the machine
            closePools();
            timed("memory", this::memory);
        } catch (Exception e) {
            failure = e;
        } finally {
            closePools();
        }
        run.put("load_after", loadAverage());
        run.put("seconds", String.format(Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9));

        report.print(System.out);
        Files.createDirectories(options.out);
        report.writeCsv(options.out.resolve("results.csv"));
        report.writeJson(options.out.resolve("results.json"), run);
        List<String> written = new ArrayList<>(List.of(options.out.resolve("results.csv").toString(),
            options.out.resolve("results.json").toString()));
        if (!report.rows("sweep").isEmpty()) {
            String svg = SweepChart.svg(report.rows("sweep"), "add_one round trip by array size: jshmex, "
                + "serialization pool, in-process",
                "median of the rounds at each size, bars min-max; warm pools of one worker"
                    + (options.quick ? "; quick run, few rounds" : ""),
                run.get("cpus") + " CPUs (" + run.get("cpu_model") + "), " + run.get("memory") + ", " + run.get("os")
                    + ", JDK " + run.get("java_version") + "; " + run.get("date").replace('T', ' '));
            Path chart = options.out.resolve("sweep.svg");
            Files.writeString(chart, svg, StandardCharsets.UTF_8);
            written.add(chart.toString());
            Path docs = projectDocs();
            if (options.quick) {
                written.add("(docs/sweep.svg left as it was: quick run)");
            } else if (docs != null && failure == null) {
                Files.createDirectories(docs);
                Files.writeString(docs.resolve("sweep.svg"), svg, StandardCharsets.UTF_8);
                written.add(docs.resolve("sweep.svg").toString());
            }
        }
        System.out.println();
        System.out.println("took " + run.get("seconds") + " s; load average before " + run.get("load_before")
            + ", after " + run.get("load_after") + "; wrote " + String.join(", ", written));
        boolean clean = checkNoLeftovers();
        if (failure != null) {
            // after the tables: what did finish stays readable above the error
            System.err.println();
            System.err.println("FAILED: " + failure);
            failure.printStackTrace();
            return 1;
        }
        return clean ? 0 : 1;
    }

    // ---- cases ------------------------------------------------------------------------------

    private interface Case {
        void run() throws Exception;
    }

    private void timed(String caseName, Case body) throws Exception {
        if (!caseName.equals("addone") && !options.has(caseName)) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            body.run();
        } finally {
            // no case inherits another's heaps: a million records leave the collectors of the
            // workers and of this JVM scattered regions, which later 80 MB arrays paid for with
            // rounds ten times slower than the same rounds on fresh heaps
            closePools();
            System.gc();
        }
        progress(caseName, String.format(Locale.ROOT, "done in %.1f s", (System.nanoTime() - t0) / 1e9));
    }

    /** Time from a new pool to the first result; the pool is closed after each round, untimed. */
    private void start() throws Exception {
        int warm = options.warmup(1, 0);
        int rounds = options.rounds(5, 2);
        List<String> kinds = List.of(Contender.JSHMEX, Contender.SERIALIZATION);
        Map<String, Samples> samples = samplesFor(kinds);
        for (int r = 0; r < warm + rounds; r++) {
            StringBuilder line = new StringBuilder();
            for (String kind : kinds) {
                long t0 = System.nanoTime();
                Contender contender = Contender.open(kind, 1);
                Integer value;
                long t1;
                try {
                    value = contender.call(Tasks::plusOne, 41);
                    t1 = System.nanoTime();
                } finally {
                    contender.close();
                }
                if (value == null || value != 42) {
                    throw new IllegalStateException(kind + " returned " + value + " for 41 + 1");
                }
                record(samples, kind, r >= warm, t1 - t0, line);
            }
            progress("start", roundLabel(r, warm, rounds) + line);
        }
        for (String kind : kinds) {
            report.add(new Row("start", kind, 0, "start", "ms", samples.get(kind).stats(), false));
        }
    }

    /**
     * add_one over 160 MB, and the zero-copy forms, in one alternation so that all of them see the
     * same machine; the zero-copy tables quote the heap figures of the other two pools.
     */
    private void addOneGroup() throws Exception {
        int warm = options.warmup(3, 1);
        int rounds = options.rounds(15, 3);
        int n = ADDONE_N;
        double[] x = Tasks.input(n);
        Contender jshmex = pool(Contender.JSHMEX, 1);
        Contender serialization = pool(Contender.SERIALIZATION, 1);
        Contender inProcess = pool(Contender.IN_PROCESS, 1);
        Contender.Jshmex jpool = (Contender.Jshmex) jshmex;

        DoubleBuffer in = null;
        DoubleBuffer out = null;
        try {
            int[] probes = probes(n);
            List<String> names = new ArrayList<>();
            if (options.has("addone")) {
                names.add(Contender.JSHMEX);
            }
            SerializableCallable<Void> into = null;
            SerializableCallable<DoubleBuffer> toNew = null;
            if (options.has("zerocopy") || options.has("allocreturn")) {
                in = Tasks.input(NativeShm.doubles(n));
            }
            if (options.has("zerocopy")) {
                out = NativeShm.doubles(n);
                into = Tasks.addOneInto(in, out);
                names.add(ZERO_COPY);
            }
            if (options.has("allocreturn")) {
                toNew = Tasks.addOneToNew(in);
                names.add(ALLOC_RETURN);
            }
            names.add(Contender.SERIALIZATION);
            names.add(Contender.IN_PROCESS);
            Map<String, Samples> samples = samplesFor(names);
            for (int r = 0; r < warm + rounds; r++) {
                StringBuilder line = new StringBuilder();
                for (String name : names) {
                    long elapsed;
                    switch (name) {
                        case ZERO_COPY:
                            for (int i : probes) {
                                out.put(i, Double.NaN);
                            }
                            long z0 = System.nanoTime();
                            jpool.pool.submit(into).get();
                            elapsed = System.nanoTime() - z0;
                            Tasks.checkAddOne(name, in, out, probes);
                            break;
                        case ALLOC_RETURN:
                            long a0 = System.nanoTime();
                            DoubleBuffer result = jpool.pool.submit(toNew).get();
                            double first = result.get(0);
                            long a1 = System.nanoTime();
                            if (first != in.get(0) + 1 || result.capacity() != n) {
                                throw new IllegalStateException(name + ": wrong result " + first + " / " + result);
                            }
                            Tasks.checkAddOne(name, in, result, probes);
                            long a2 = System.nanoTime();
                            NativeShm.release(result);
                            elapsed = (a1 - a0) + (System.nanoTime() - a2);
                            break;
                        default:
                            Contender contender = name.equals(Contender.JSHMEX) ? jshmex
                                : name.equals(Contender.SERIALIZATION) ? serialization : inProcess;
                            elapsed = timedAddOne(contender, name, x);
                    }
                    record(samples, name, r >= warm, elapsed, line);
                }
                progress("addone", roundLabel(r, warm, rounds) + line);
            }
            Stats ser = samples.get(Contender.SERIALIZATION).stats();
            Stats floor = samples.get(Contender.IN_PROCESS).stats();
            String[][] tables = {{"addone", Contender.JSHMEX}, {"zerocopy", ZERO_COPY}, {"allocreturn", ALLOC_RETURN}};
            for (String[] table : tables) {
                if (!options.has(table[0])) {
                    continue;
                }
                String suffix = table[0].equals("addone") ? "" : " (add_one)";
                report.add(new Row(table[0], table[1], 0, "round_trip", "ms", samples.get(table[1]).stats(), false));
                report.add(new Row(table[0], Contender.SERIALIZATION + suffix, 0, "round_trip", "ms", ser, false));
                report.add(new Row(table[0], Contender.IN_PROCESS + suffix, 0, "round_trip", "ms", floor, false));
            }
        } finally {
            if (in != null) {
                NativeShm.release(in);
            }
            if (out != null) {
                NativeShm.release(out);
            }
        }
    }

    /** Blocks of {@link #TINY_BLOCK} round trips per contender, after as many to warm up. */
    private int tinyBlocks() {
        return options.quick ? 3 : 100;
    }

    /** Latency of sequential tiny round trips, contenders alternating in blocks. */
    private void tiny() throws Exception {
        // 10,000 warm-up round trips each: until then the JIT, not the transfer, decides
        int warmBlocks = tinyBlocks();
        int blocks = tinyBlocks();
        double[] x = Tasks.input(TINY_N);
        List<String> kinds = List.of(Contender.JSHMEX, Contender.SERIALIZATION, Contender.IN_PROCESS);
        Map<String, Samples> samples = samplesFor(kinds);
        for (int b = 0; b < warmBlocks + blocks; b++) {
            StringBuilder line = new StringBuilder();
            for (String kind : kinds) {
                Contender contender = pool(kind, 1);
                // the previous contender's threads may still be polling for a message: let them block
                Thread.sleep(1);
                double[] block = new double[TINY_BLOCK];
                for (int i = 0; i < TINY_BLOCK; i++) {
                    block[i] = timedAddOne(contender, kind, x) / 1e6;
                    if (b >= warmBlocks) {
                        samples.get(kind).add(block[i]);
                    }
                }
                line.append(line.length() == 0 ? "" : " | ").append(kind).append(' ')
                    .append(Report.value("ms", Stats.of(block).median));
            }
            progress("tiny", (b < warmBlocks ? "warm-up block " + (b + 1) + "/" + warmBlocks
                : "block " + (b - warmBlocks + 1) + "/" + blocks) + " of " + TINY_BLOCK + ", medians: " + line);
        }
        for (String kind : kinds) {
            report.add(new Row("tiny", kind, 0, "latency", "ms", samples.get(kind).stats(), false));
        }
    }

    /**
     * A million records with primitive components, there and back: packed rows against
     * serialization; and the same job on a {@link RecordTable}, which a task shifts in place.
     */
    private void records() throws Exception {
        int n = options.quick ? RECORDS_N / 10 : RECORDS_N;
        // the garbage collector, busy with a million new records a side, makes single rounds vary
        int warm = options.warmup(3, 1);
        int rounds = options.rounds(20, 3);
        Tasks.Hit[] hits = Tasks.hits(n);
        List<String> kinds = List.of(Contender.JSHMEX, Contender.SERIALIZATION, Contender.IN_PROCESS);
        List<String> names = List.of(Contender.JSHMEX, Contender.SERIALIZATION, Contender.IN_PROCESS, RECORD_TABLE);
        Map<String, Samples> samples = samplesFor(names);
        RecordTable<Tasks.Hit> table = RecordTable.of(hits);
        try {
            for (int r = 0; r < warm + rounds; r++) {
                StringBuilder line = new StringBuilder();
                for (String kind : kinds) {
                    Contender contender = pool(kind, 1);
                    long t0 = System.nanoTime();
                    Object result = contender.call(Tasks::shiftHits, hits);
                    long elapsed = System.nanoTime() - t0;
                    Tasks.checkShiftHits(kind, hits, result);
                    record(samples, kind, r >= warm, elapsed, line);
                }
                Contender jshmex = pool(Contender.JSHMEX, 1);
                long t0 = System.nanoTime();
                jshmex.call(Tasks::shiftTimes, table);
                long elapsed = System.nanoTime() - t0;
                Tasks.checkShiftedTable(hits, table, r + 1);
                record(samples, RECORD_TABLE, r >= warm, elapsed, line);
                progress("records", roundLabel(r, warm, rounds) + line);
            }
        } finally {
            table.release();
        }
        for (String name : names) {
            report.add(new Row("records", name, n, "round_trip", "ms", samples.get(name).stats(), false));
        }
    }

    /**
     * Where shared memory starts to pay: the same pool built to send every array through shared
     * memory, and to send every array inline, on sizes around the default threshold.
     */
    private void threshold() throws Exception {
        List<String> kinds = List.of(Contender.JSHMEX_ALL_SHM, Contender.JSHMEX_ALL_INLINE);
        // as in the tiny case: thousands of warm-up round trips, and blocks 1 ms apart, so that
        // neither the JIT nor the other pool's polling threads decide
        int warmBlocks = options.warmup(THRESHOLD_WARM_BLOCKS, 2);
        int blocks = options.rounds(THRESHOLD_BLOCKS, 2);
        for (int n : THRESHOLD_SIZES) {
            double[] x = Tasks.input(n);
            Map<String, Samples> samples = samplesFor(kinds);
            for (int b = 0; b < warmBlocks + blocks; b++) {
                for (String kind : kinds) {
                    Contender contender = pool(kind, 1);
                    Thread.sleep(1);
                    for (int i = 0; i < THRESHOLD_BLOCK; i++) {
                        long elapsed = timedAddOne(contender, kind, x);
                        if (b >= warmBlocks) {
                            samples.get(kind).add(elapsed / 1e6);
                        }
                    }
                }
            }
            StringBuilder line = new StringBuilder();
            for (String kind : kinds) {
                line.append(line.length() == 0 ? "" : " | ").append(kind).append(' ')
                    .append(Report.value("ms", samples.get(kind).stats().median));
                report.add(new Row("threshold", kind, n, "round_trip", "ms", samples.get(kind).stats(), false));
            }
            progress("threshold", Report.sizeLabel(n) + " doubles (" + (8 * n / 1024) + " KiB): " + line);
        }
    }

    /** Many arrays of one message by shared memory (sharing one block) against all inline. */
    private void many() throws Exception {
        List<String> kinds = List.of(Contender.JSHMEX_ALL_SHM, Contender.JSHMEX_ALL_INLINE);
        int warm = options.warmup(300, 20);
        int rounds = options.rounds(200, 20);
        ArrayList<double[]> xs = new ArrayList<>();
        for (int i = 0; i < MANY_ARRAYS; i++) {
            xs.add(Tasks.input(MANY_N));
        }
        Map<String, Samples> samples = samplesFor(kinds);
        for (int r = 0; r < warm + rounds; r++) {
            StringBuilder line = new StringBuilder();
            for (String kind : kinds) {
                long t0 = System.nanoTime();
                ArrayList<double[]> result = pool(kind, 1).call(Tasks::addOneEach, xs);
                long elapsed = System.nanoTime() - t0;
                Tasks.checkAddOneEach(kind, xs, result);
                record(samples, kind, r >= warm, elapsed, line);
            }
        }
        for (String kind : kinds) {
            report.add(new Row("many", kind, 0, "round_trip", "ms", samples.get(kind).stats(), false));
        }
    }

    private void sweep() throws Exception {
        List<String> kinds = List.of(Contender.JSHMEX, Contender.SERIALIZATION, Contender.IN_PROCESS);
        for (int n : SWEEP_SIZES) {
            if (options.quick && n > QUICK_SWEEP_MAX) {
                continue;
            }
            // small sizes: as in the tiny case, thousands of round trips before the JIT has compiled
            // both pools' message paths; until then it decides, not the transfer
            int warm = n <= 10_000 ? options.warmup(10_000, 3) : n <= 100_000 ? options.warmup(2_000, 3)
                : n <= 1_000_000 ? options.warmup(3, 1) : options.warmup(2, 1);
            int rounds = n <= 100_000 ? options.rounds(30, 5) : n <= 1_000_000 ? options.rounds(15, 3)
                : n <= 10_000_000 ? options.rounds(8, 2) : options.rounds(5, 1);
            double[] x = Tasks.input(n);
            Map<String, Samples> samples = samplesFor(kinds);
            boolean perRound = n >= 10_000_000;
            for (int r = 0; r < warm + rounds; r++) {
                StringBuilder line = new StringBuilder();
                for (String kind : kinds) {
                    record(samples, kind, r >= warm, timedAddOne(pool(kind, 1), kind, x), line);
                }
                if (perRound) {
                    progress("sweep", Report.sizeLabel(n) + " " + roundLabel(r, warm, rounds) + line);
                }
            }
            if (!perRound) {
                StringBuilder line = new StringBuilder();
                for (String kind : kinds) {
                    line.append(line.length() == 0 ? "" : " | ").append(kind).append(' ')
                        .append(Report.value("ms", samples.get(kind).stats().median));
                }
                progress("sweep", Report.sizeLabel(n) + ": " + warm + " warm-up + " + rounds + " rounds, medians: " + line);
            }
            for (String kind : kinds) {
                report.add(new Row("sweep", kind, n, "round_trip", "ms", samples.get(kind).stats(), false));
            }
        }
    }

    /** Throughput of batches of a compute-heavy task, submitted at once. */
    private void scaling() throws Exception {
        int warm = options.warmup(1, 0);
        int rounds = options.rounds(4, 1);
        int batch = scalingBatch();
        double[] x = Tasks.input(SCALING_N);
        int[] probes = probes(SCALING_N);
        String[][] contenders = {
            {"jshmex (2 workers)", Contender.JSHMEX, "2"},
            {"jshmex (1 worker)", Contender.JSHMEX, "1"},
            {"serialization (2 workers)", Contender.SERIALIZATION, "2"},
            {"in-process (2 threads)", Contender.IN_PROCESS, "2"}};
        List<String> names = new ArrayList<>();
        for (String[] c : contenders) {
            names.add(c[0]);
        }
        Map<String, Samples> samples = samplesFor(names);
        for (int r = 0; r < warm + rounds; r++) {
            StringBuilder line = new StringBuilder();
            for (String[] c : contenders) {
                Contender contender = pool(c[1], Integer.parseInt(c[2]));
                long t0 = System.nanoTime();
                List<CompletableFuture<double[]>> futures = new ArrayList<>();
                for (int i = 0; i < batch; i++) {
                    futures.add(contender.submit(Tasks::heavy, x));
                }
                List<double[]> results = new ArrayList<>();
                for (CompletableFuture<double[]> f : futures) {
                    results.add(f.get());
                }
                long elapsed = System.nanoTime() - t0;
                for (double[] result : results) {
                    checkHeavy(c[0], x, result, probes);
                }
                double perSecond = batch / (elapsed / 1e9);
                if (r >= warm) {
                    samples.get(c[0]).add(perSecond);
                }
                line.append(line.length() == 0 ? "" : " | ").append(c[0]).append(' ')
                    .append(Report.value("tasks/s", perSecond));
            }
            progress("scaling", roundLabel(r, warm, rounds) + line);
        }
        for (String name : names) {
            report.add(new Row("scaling", name, 0, "throughput", "tasks/s", samples.get(name).stats(), true));
        }
    }

    private int scalingBatch() {
        return options.quick ? 2 : 4;
    }

    /** 10,000 trivial items: jshmex's chunked map against one task per item on the baseline pool. */
    private void map() throws Exception {
        int warm = options.warmup(1, 0);
        int rounds = options.rounds(5, 1);
        List<Integer> items = new ArrayList<>();
        long expected = 0;
        for (int i = 0; i < MAP_ITEMS; i++) {
            items.add(i);
            expected += i + 1;
        }
        String jname = "jshmex map (2 workers)";
        String sname = "serialization (2 workers)";
        Map<String, Samples> samples = samplesFor(List.of(jname, sname));
        Contender.Jshmex jshmex = (Contender.Jshmex) pool(Contender.JSHMEX, 2);
        Contender serialization = pool(Contender.SERIALIZATION, 2);
        for (int r = 0; r < warm + rounds; r++) {
            StringBuilder line = new StringBuilder();
            long t0 = System.nanoTime();
            List<Integer> mapped = jshmex.pool.map(Tasks::plusOne, items).toList();
            long jelapsed = System.nanoTime() - t0;
            checkMapped(jname, mapped, expected);
            recordRate(samples, jname, r >= warm, MAP_ITEMS, jelapsed, line);

            long s0 = System.nanoTime();
            List<CompletableFuture<Integer>> futures = new ArrayList<>(MAP_ITEMS);
            for (Integer item : items) {
                futures.add(serialization.submit(Tasks::plusOne, item));
            }
            List<Integer> results = new ArrayList<>(MAP_ITEMS);
            for (CompletableFuture<Integer> f : futures) {
                results.add(f.get());
            }
            long selapsed = System.nanoTime() - s0;
            checkMapped(sname, results, expected);
            recordRate(samples, sname, r >= warm, MAP_ITEMS, selapsed, line);
            progress("map", roundLabel(r, warm, rounds) + line);
        }
        report.add(new Row("map", jname, 0, "throughput", "items/s", samples.get(jname).stats(), true));
        report.add(new Row("map", sname, 0, "throughput", "items/s", samples.get(sname).stats(), true));
    }

    /**
     * Peak PSS during add_one rounds, each contender in a fresh JVM (a probe), so that heap grown by
     * earlier cases does not count; probes alternate between contenders.
     */
    private void memory() throws Exception {
        if (!PssSampler.isSupported()) {
            report.note("memory", "skipped: /proc/self/smaps_rollup is not readable on this system");
            progress("memory", "skipped: no /proc/<pid>/smaps_rollup here");
            return;
        }
        int probes = options.quick ? 1 : 3;
        // the peak comes in the first round already; warm-up only makes "idle" mean "between rounds"
        int warm = options.warmup(2, 0);
        int rounds = options.rounds(5, 1);
        List<String> kinds = List.of(Contender.JSHMEX, Contender.SERIALIZATION, Contender.IN_PROCESS,
            Contender.JSHMEX_ZERO_COPY);
        Map<String, Samples> peaks = samplesFor(kinds);
        Map<String, Samples> idles = samplesFor(kinds);
        for (int p = 0; p < probes; p++) {
            StringBuilder line = new StringBuilder();
            for (String kind : kinds) {
                long[] result = probe(kind, ADDONE_N, warm, rounds);
                peaks.get(kind).add(result[1] / 1e6);
                idles.get(kind).add(result[0] / 1e6);
                line.append(line.length() == 0 ? "" : " | ").append(kind).append(String.format(Locale.ROOT,
                    " peak %.0f MB (idle %.0f MB, %d samples)", result[1] / 1e6, result[0] / 1e6, result[2]));
            }
            progress("memory", "probe " + (p + 1) + "/" + probes + " (" + warm + " warm-up + " + rounds + " rounds): " + line);
        }
        for (String kind : kinds) {
            report.add(new Row("memory", kind, ADDONE_N, "peak_pss", "MB", peaks.get(kind).stats(), false));
        }
        for (String kind : kinds) {
            report.add(new Row("memory", kind, ADDONE_N, "idle_pss", "MB", idles.get(kind).stats(), false));
        }
        report.note("memory", "x array: peak over the array's 160 MB; idle: the same JVMs "
            + (warm > 0 ? "after warm-up, between rounds" : "before the first round") + "; n: probes (fresh JVMs), "
            + "each the max over its rounds");
    }

    /** Runs one memory probe; returns idle bytes, peak bytes and the number of samples. */
    private long[] probe(String kind, int n, int warm, int rounds) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        // the probe's own heap is measured: it grows as the job needs, not pre-touched like ours
        List<String> jvmArgs = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .filter(a -> !a.startsWith("-Xms") && !a.equals("-XX:+AlwaysPreTouch")).collect(Collectors.toList());
        command.addAll(jvmArgs);
        if (jvmArgs.stream().noneMatch(a -> a.startsWith("--enable-native-access"))) {
            command.add("--enable-native-access=ALL-UNNAMED");
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Headline.class.getName());
        command.add("--memory-probe");
        command.add(kind);
        command.add(Integer.toString(n));
        command.add(Integer.toString(warm));
        command.add(Integer.toString(rounds));
        command.add(Integer.toString(PSS_PERIOD_MILLIS));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String answer = null;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.startsWith("memory ")) {
                    answer = line;
                }
            }
        } finally {
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
            }
        }
        if (answer == null || process.exitValue() != 0) {
            throw new IllegalStateException("memory probe for " + kind + " failed (exit " + process.exitValue() + ")");
        }
        long[] values = new long[3];
        for (String part : answer.substring("memory ".length()).split(" ")) {
            String[] kv = part.split("=");
            int at = kv[0].equals("idle") ? 0 : kv[0].equals("peak") ? 1 : 2;
            values[at] = Long.parseLong(kv[1]);
        }
        return values;
    }

    // ---- helpers ----------------------------------------------------------------------------

    private Contender pool(String kind, int workers) throws Exception {
        String key = kind + "/" + workers;
        synchronized (pools) {
            Contender contender = pools.get(key);
            if (contender == null) {
                progress("pools", "starting " + kind + " with " + workers + (kind.equals(Contender.IN_PROCESS)
                    ? " thread" : " worker") + (workers == 1 ? "" : "s"));
                contender = Contender.open(kind, workers);
                pools.put(key, contender);
                contender.awaitWorkers();
            }
            return contender;
        }
    }

    private void closePools() {
        synchronized (pools) {
            for (Contender contender : pools.values()) {
                try {
                    contender.close();
                } catch (RuntimeException e) {
                    System.err.println("closing " + contender.name + ": " + e);
                }
            }
            pools.clear();
        }
    }

    private static Map<String, Samples> samplesFor(List<String> names) {
        Map<String, Samples> samples = new LinkedHashMap<>();
        for (String name : names) {
            samples.put(name, new Samples());
        }
        return samples;
    }

    /** One add_one round trip through {@code contender}, checked (outside the time); its nanoseconds. */
    private static long timedAddOne(Contender contender, String name, double[] x) throws Exception {
        long t0 = System.nanoTime();
        double[] result = contender.call(Tasks::addOne, x);
        long elapsed = System.nanoTime() - t0;
        Tasks.checkAddOne(name, x, result);
        return elapsed;
    }

    private static void record(Map<String, Samples> samples, String name, boolean measured, long nanos,
                               StringBuilder line) {
        double ms = nanos / 1e6;
        if (measured) {
            samples.get(name).add(ms);
        }
        line.append(line.length() == 0 ? "" : " | ").append(name).append(' ').append(Report.value("ms", ms));
    }

    private static void recordRate(Map<String, Samples> samples, String name, boolean measured, int items, long nanos,
                                   StringBuilder line) {
        double perSecond = items / (nanos / 1e9);
        if (measured) {
            samples.get(name).add(perSecond);
        }
        line.append(line.length() == 0 ? "" : " | ").append(name).append(' ').append(Report.value("items/s", perSecond));
    }

    private static String roundLabel(int r, int warm, int rounds) {
        return (r < warm ? "warm-up " + (r + 1) + "/" + warm : "round " + (r - warm + 1) + "/" + rounds) + ": ";
    }

    /** Indices spread over the array, ends included, to check results that are not copied back whole. */
    private static int[] probes(int n) {
        Random random = new Random(n);
        int[] probes = new int[66];
        probes[0] = 0;
        probes[1] = n - 1;
        for (int i = 2; i < probes.length; i++) {
            probes[i] = random.nextInt(n);
        }
        return probes;
    }

    private static void checkHeavy(String who, double[] x, double[] result, int[] probes) {
        if (result.length != x.length) {
            throw new IllegalStateException(who + " returned " + result.length + " elements instead of " + x.length);
        }
        for (int i : probes) {
            double want = Tasks.heavy(new double[] {x[i]})[0];
            // a JIT-compiled sin may differ from the interpreter's in the last bit
            if (Math.abs(result[i] - want) > 1e-9 * Math.max(1, Math.abs(want))) {
                throw new IllegalStateException(who + " returned a wrong value at index " + i + ": " + result[i]
                    + " instead of " + want);
            }
        }
    }

    private static void checkMapped(String who, List<Integer> mapped, long expected) {
        long sum = 0;
        for (int i = 0; i < mapped.size(); i++) {
            if (mapped.get(i) != i + 1) {
                throw new IllegalStateException(who + " returned " + mapped.get(i) + " at " + i + " instead of " + (i + 1));
            }
            sum += mapped.get(i);
        }
        if (mapped.size() != MAP_ITEMS || sum != expected) {
            throw new IllegalStateException(who + " returned " + mapped.size() + " items");
        }
    }

    private static void progress(String caseName, String text) {
        System.err.println("[" + caseName + "] " + text);
        System.err.flush();
    }

    private boolean checkNoLeftovers() {
        String mine = "_" + ProcessHandle.current().pid() + "_";
        List<String> left = new ArrayList<>();
        for (String name : NativeShm.list()) {
            if (name.contains(mine)) {
                left.add(name);
            }
        }
        if (!left.isEmpty()) {
            System.err.println("LEAK: segments of this run are still in /dev/shm: " + left);
            return false;
        }
        return true;
    }

    private void titleCases() {
        int warm = options.warmup(3, 1);
        int rounds = options.rounds(15, 3);
        String group = rounds + " rounds after " + warm + " warm-up, contenders alternating";
        report.title("addone", "add_one over double[20,000,000] (160 MB), round trip (submit, run in the worker, "
            + "result back) through warm pools of one worker; " + group);
        report.title("zerocopy", "NativeShm.doubles input and output made once by the caller, the task writes x+1 "
            + "into the output; beside add_one through the other two, same rounds");
        report.title("allocreturn", "the task allocates NativeShm.doubles(20,000,000), fills it with x+1 from a "
            + "NativeShm input and returns it; the caller reads one element and releases it; beside add_one through "
            + "the other two, same rounds");
        report.title("tiny", "sequential round trips with a double[10] argument, latency; " + tinyBlocks() * TINY_BLOCK
            + " each, alternating in blocks of " + TINY_BLOCK + " (1 ms apart)");
        report.title("sweep", "add_one round trip by array size (doubles), warm pools of one worker; more rounds for "
            + "small sizes" + (options.quick ? "; quick: sizes up to " + Report.sizeLabel(QUICK_SWEEP_MAX) : "")
            + "; chart: sweep.svg");
        report.title("scaling", "throughput (higher is better) of batches of " + scalingBatch() + " compute-heavy tasks ("
            + Tasks.HEAVY_PASSES + " passes of sqrt/sin over 2,000,000 doubles, 16 MB in and out), on "
            + Runtime.getRuntime().availableProcessors() + " CPUs; " + options.rounds(4, 1) + " batches after "
            + options.warmup(1, 0) + " warm-up");
        report.title("memory", "peak PSS of the parent JVM and its workers together (sum of Pss in "
            + "/proc/<pid>/smaps_rollup: shared pages counted once; sampled every " + PSS_PERIOD_MILLIS + " ms) "
            + "during add_one over 160 MB; each contender in a fresh JVM, " + options.rounds(5, 1) + " rounds per probe");
        report.title("start", "time from a new pool of one worker (jshmex: prestartAllWorkers) to the first trivial "
            + "task's result");
        report.title("records", "1,000,000 records (double, long, float, int) there and back, each shifted by the "
            + "task: jshmex packs them into shared memory; the baseline serializes them one object at a time; "
            + RECORD_TABLE + ": the same records held as shared columns, which the task shifts in place");
        report.title("threshold", "add_one round trip on small arrays through one jshmex pool sending every array "
            + "through shared memory, and one sending every array inline: where the default threshold should sit; "
            + THRESHOLD_BLOCKS * THRESHOLD_BLOCK + " each after " + THRESHOLD_WARM_BLOCKS * THRESHOLD_BLOCK
            + " warm-up, alternating in blocks of " + THRESHOLD_BLOCK + " (1 ms apart)");
        report.title("many", "add_one on each of " + MANY_ARRAYS + " arrays of " + MANY_N + " doubles (32 KiB) in one "
            + "message, there and back, through the pool sending every array through shared memory (one block for "
            + "all of them) and the one sending every array inline");
        report.title("map", "a map of a trivial function over 10,000 Integers on 2 workers, throughput (higher is "
            + "better): jshmex map with default chunking vs 10,000 tasks submitted to the serialization pool");
    }

    private void describeRun() {
        run.put("date", OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString());
        run.put("args", String.join(" ", options.args));
        run.put("cpus", Integer.toString(Runtime.getRuntime().availableProcessors()));
        run.put("cpu_model", cpuModel());
        run.put("memory", memoryTotal());
        run.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        run.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        run.put("java_version", System.getProperty("java.version"));
        run.put("jvm_args", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        run.put("gc", ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName)
            .collect(Collectors.joining(" + ")));
        run.put("load_before", loadAverage());
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException ignored) {
            // not Linux: the field stays unknown
        }
        return "unknown";
    }

    private static String memoryTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return String.format(Locale.ROOT, "%.0f GiB", kb / 1024.0 / 1024.0);
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // not Linux
        }
        return "unknown memory";
    }

    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** The project's docs/ when run from the project's directory, where the README finds the chart. */
    private static Path projectDocs() {
        Path pom = Path.of("pom.xml");
        try {
            if (Files.isRegularFile(pom) && Files.readString(pom).contains("<artifactId>jshmex</artifactId>")) {
                return Path.of("docs");
            }
        } catch (IOException ignored) {
            // not the project: no docs copy
        }
        return null;
    }

    /** Command-line options. */
    static final class Options {
        static final String USAGE = String.join("\n",
            "usage: java -Xms3g -Xmx3g -XX:+AlwaysPreTouch --enable-native-access=ALL-UNNAMED -jar target/jshmex-bench.jar [options]",
            "  --cases a,b,...  cases to run, of: " + String.join(",", CASES) + " (default: all)",
            "  --quick          fewer rounds everywhere: a look in about half a minute, not figures to quote",
            "  --rounds N       measured rounds per contender for every case but tiny (warm-ups unchanged)",
            "  --out DIR        where results.csv, results.json and sweep.svg go (default: target/bench)",
            "A full run without --quick also writes docs/sweep.svg when run from the project's directory.");

        final Set<String> cases = new LinkedHashSet<>();
        final List<String> args;
        boolean quick;
        int rounds;
        Path out = Path.of("target", "bench");

        private Options(String[] args) {
            this.args = List.of(args);
        }

        /** The options, or null if help was asked for. */
        static Options parse(String[] args) {
            Options options = new Options(args);
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                String value = null;
                int eq = arg.indexOf('=');
                if (arg.startsWith("--") && eq > 0) {
                    value = arg.substring(eq + 1);
                    arg = arg.substring(0, eq);
                }
                switch (arg) {
                    case "--help":
                    case "-h":
                        return null;
                    case "--quick":
                        options.quick = true;
                        break;
                    case "--cases":
                        value = value != null ? value : next(args, ++i, arg);
                        for (String name : value.split(",")) {
                            String trimmed = name.trim().toLowerCase(Locale.ROOT);
                            if (trimmed.isEmpty()) {
                                continue;
                            }
                            if (!CASES.contains(trimmed)) {
                                throw new IllegalArgumentException("unknown case '" + trimmed + "'");
                            }
                            options.cases.add(trimmed);
                        }
                        break;
                    case "--rounds":
                        value = value != null ? value : next(args, ++i, arg);
                        try {
                            options.rounds = Integer.parseInt(value);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("--rounds needs a number: " + value);
                        }
                        if (options.rounds < 1) {
                            throw new IllegalArgumentException("--rounds must be at least 1");
                        }
                        break;
                    case "--out":
                        options.out = Path.of(value != null ? value : next(args, ++i, arg));
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (options.cases.isEmpty()) {
                options.cases.addAll(CASES);
            }
            return options;
        }

        private static String next(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }

        boolean has(String caseName) {
            return cases.contains(caseName);
        }

        int rounds(int full, int quickRounds) {
            return rounds > 0 ? rounds : quick ? quickRounds : full;
        }

        int warmup(int full, int quickRounds) {
            return quick ? quickRounds : full;
        }
    }
}
