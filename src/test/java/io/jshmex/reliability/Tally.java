package io.jshmex.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one fault class did to the library, counted: cases injected, segments left in
 * {@code /dev/shm}, processes left alive, crashes (a JVM that died of a signal or wrote an hs_err
 * file) and failures (anything else that broke the contract). One line per class goes to
 * {@code target/reliability/results.tsv}; {@link Report} turns the file into the table.
 *
 * <p>A "started" line is written first, so that a class whose JVM dies before it can record its
 * result still shows up, as a crash.
 */
public final class Tally {
    static final String HEADER = "fault\tstatus\tcases\tleaked\tstrays\tcrashes\tfailures\tseconds\tform\tnote\tfirst failures";
    private static final int KEPT_FAILURES = 5;
    private static boolean fileStarted;

    private final Fault fault;
    private final long startNanos = System.nanoTime();
    private long cases;
    private long leaked;
    private long strays;
    private long crashes;
    private long failures;
    private final List<String> firstFailures = new ArrayList<>();
    private final Map<String, Long> outcomes = new TreeMap<>();
    private final List<String> notes = new ArrayList<>();
    private String skipped;
    private boolean recorded;

    private Tally(Fault fault) {
        this.fault = fault;
    }

    /** The body of a reliability test: injects its faults and counts them in the tally. */
    @FunctionalInterface
    public interface Body {
        void run(Tally tally) throws Exception;
    }

    /**
     * Runs a fault class: records its line whatever happens, counts an unexpected exception of the
     * test itself as a failure, a skipped assumption as skipped, then fails the test unless the
     * tally is clean.
     */
    public static void run(Fault fault, Body body) throws Exception {
        Tally tally = start(fault);
        try {
            body.run(tally);
        } catch (org.opentest4j.TestAbortedException skipped) {
            tally.skipped(skipped.getMessage());
            throw skipped;
        } catch (Exception | Error e) {
            tally.fail("the test itself failed: " + e);
            throw e;
        } finally {
            tally.record();
        }
        tally.assertClean();
    }

    /** Starts counting a fault class and marks it as started in the results file. */
    public static Tally start(Fault fault) {
        Tally tally = new Tally(fault);
        tally.append("started");
        return tally;
    }

    public Fault fault() {
        return fault;
    }

    public synchronized void cases(long n) {
        cases += n;
    }

    public synchronized void addCase() {
        cases++;
    }

    public synchronized long caseCount() {
        return cases;
    }

    public synchronized void leaked(long n, String detail) {
        if (n > 0) {
            leaked += n;
            keep("leaked " + n + ": " + detail);
        }
    }

    public synchronized void strays(long n, String detail) {
        if (n > 0) {
            strays += n;
            keep("stray " + n + ": " + detail);
        }
    }

    public synchronized void crash(String detail) {
        crashes++;
        keep("crash: " + detail);
    }

    public synchronized void fail(String detail) {
        failures++;
        keep(detail);
    }

    /** Counts an outcome that is allowed but worth showing (e.g. "completed", "worker died"). */
    public synchronized void outcome(String name) {
        outcomes.merge(name, 1L, Long::sum);
    }

    public synchronized void note(String note) {
        notes.add(note);
    }

    /** The class could not run here (not root, no unshare, ...): shown as skipped with the reason. */
    public synchronized void skipped(String reason) {
        skipped = reason;
    }

    private void keep(String detail) {
        if (firstFailures.size() < KEPT_FAILURES) {
            firstFailures.add(detail.replaceAll("\\s+", " "));
        }
    }

    public synchronized boolean clean() {
        return leaked == 0 && strays == 0 && crashes == 0 && failures == 0;
    }

    /** Writes the result line (once) and regenerates the table. */
    public synchronized void record() {
        if (recorded) {
            return;
        }
        recorded = true;
        append(skipped != null ? "skipped" : "done");
        Report.write();
    }

    /** Fails the test with the counts and the first failures, unless nothing went wrong. */
    public synchronized void assertClean() {
        if (skipped == null && !clean()) {
            throw new AssertionError(fault.label() + ": " + cases + " cases, " + leaked + " leaked segment(s), " + strays
                + " stray process(es), " + crashes + " crash(es), " + failures + " failure(s); first: " + firstFailures);
        }
    }

    private String note() {
        List<String> parts = new ArrayList<>();
        if (skipped != null) {
            parts.add("skipped: " + skipped);
        }
        if (!outcomes.isEmpty()) {
            List<String> counted = new ArrayList<>();
            outcomes.forEach((name, n) -> counted.add(name + " " + n));
            parts.add(String.join(", ", counted));
        }
        parts.addAll(notes);
        return String.join("; ", parts);
    }

    private void append(String status) {
        String line = String.join("\t", fault.name(), status, Long.toString(cases), Long.toString(leaked),
            Long.toString(strays), Long.toString(crashes), Long.toString(failures),
            String.format(Locale.ROOT, "%.1f", (System.nanoTime() - startNanos) / 1e9), Scale.form(),
            clean(note()), clean(String.join(" | ", firstFailures)));
        synchronized (Tally.class) {
            try {
                Path file = Report.results();
                Files.createDirectories(file.getParent());
                if (!fileStarted) {
                    // a fresh file per test JVM: rows of an earlier build must not mix with this one's
                    Files.writeString(file, HEADER + "\n", StandardCharsets.UTF_8);
                    fileStarted = true;
                }
                Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static String clean(String text) {
        return text.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }
}
