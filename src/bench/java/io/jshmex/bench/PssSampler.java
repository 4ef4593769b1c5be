package io.jshmex.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples the proportional set size (PSS) of a process and all its descendants together, from
 * {@code /proc/<pid>/smaps_rollup}. PSS divides every shared page among the processes that map it,
 * so the sum over parent and workers counts a shared-memory page once, not once per mapping.
 */
final class PssSampler implements AutoCloseable {
    private static final long DESCENDANTS_REFRESH_NANOS = 100_000_000L;

    private final long rootPid;
    private final long periodNanos;
    private final AtomicLong peak = new AtomicLong();
    private final AtomicLong samples = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    private PssSampler(long rootPid, long periodNanos) {
        this.rootPid = rootPid;
        this.periodNanos = periodNanos;
        this.thread = new Thread(this::loop, "pss-sampler");
        this.thread.setDaemon(true);
    }

    /** Starts sampling {@code rootPid} and its descendants every {@code periodMillis}. */
    static PssSampler start(long rootPid, long periodMillis) {
        PssSampler sampler = new PssSampler(rootPid, periodMillis * 1_000_000L);
        sampler.thread.start();
        return sampler;
    }

    /** Whether this system reports PSS (Linux 4.14 and later). */
    static boolean isSupported() {
        return Files.isReadable(Path.of("/proc/self/smaps_rollup"));
    }

    /** PSS of {@code rootPid} and its descendants now, in bytes. */
    static long totalPss(long rootPid) {
        return sum(tree(rootPid));
    }

    private void loop() {
        List<Long> pids = tree(rootPid);
        long refreshed = System.nanoTime();
        long next = refreshed;
        while (running) {
            long now = System.nanoTime();
            // processes come and go (a replaced worker): look for them often, but not every sample
            if (now - refreshed > DESCENDANTS_REFRESH_NANOS) {
                pids = tree(rootPid);
                refreshed = now;
            }
            long total = sum(pids);
            peak.accumulateAndGet(total, Math::max);
            samples.incrementAndGet();
            next += periodNanos;
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep / 1_000_000L, (int) (sleep % 1_000_000L));
                } catch (InterruptedException e) {
                    return;
                }
            } else {
                next = System.nanoTime();
            }
        }
    }

    /** The largest sum seen so far, in bytes. */
    long peakBytes() {
        return peak.get();
    }

    long sampleCount() {
        return samples.get();
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<Long> tree(long rootPid) {
        List<Long> pids = new ArrayList<>();
        pids.add(rootPid);
        ProcessHandle.of(rootPid).ifPresent(root -> root.descendants().forEach(p -> pids.add(p.pid())));
        return pids;
    }

    private static long sum(List<Long> pids) {
        long total = 0;
        for (long pid : pids) {
            total += pssBytes(pid);
        }
        return total;
    }

    /** PSS of one process in bytes; 0 if it has gone. */
    static long pssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
                if (line.startsWith("Pss:")) {
                    String kb = line.substring(4).trim();
                    return Long.parseLong(kb.substring(0, kb.indexOf(' '))) * 1024;
                }
            }
            return 0;
        } catch (NoSuchFileException gone) {
            return 0;
        } catch (IOException e) {
            // a process exiting while read can fail with ESRCH
            return 0;
        }
    }
}
