package io.jshmex.testing;

import io.jshmex.SerializableCallable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Tasks and probes for pool tests. A running task cannot answer through its future, so tasks
 * that must be seen running report their worker's pid through a file.
 */
public final class PoolTestSupport {
    /** Generous: a worker JVM may take seconds to start on a loaded two-core machine. */
    public static final long PATIENCE_MS = 30_000;

    private PoolTestSupport() {
    }

    /** npshmex's {@code add_one}: a new array {@code x + 1}, the argument left as it was. */
    public static double[] plusOne(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] + 1;
        }
        return y;
    }

    /**
     * A task that writes its worker's pid to {@code pidFile}, sleeps, and returns the pid. The
     * path travels as a String: {@code Path} is not serializable.
     */
    public static SerializableCallable<Long> writePidThenSleep(Path pidFile, long millis) {
        String file = pidFile.toString();
        return () -> {
            long pid = ProcessHandle.current().pid();
            writeAtomically(Path.of(file), Long.toString(pid));
            Thread.sleep(millis);
            return pid;
        };
    }

    /** Writes through a temporary file and a rename, so a reader never sees half a file. */
    public static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The pid a {@link #writePidThenSleep} task wrote, once it is running. */
    public static long awaitPid(Path pidFile) throws InterruptedException {
        long deadline = System.currentTimeMillis() + PATIENCE_MS;
        while (!Files.exists(pidFile)) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("the task never started: no " + pidFile);
            }
            Thread.sleep(10);
        }
        try {
            return Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether process {@code pid} is gone within {@code patience}. */
    public static boolean exitsWithin(long pid, Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (isAlive(pid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    public static boolean isAlive(long pid) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        return handle.isPresent() && handle.get().isAlive();
    }

    /** The live descendants of this JVM: the workers of its pools. */
    public static Set<Long> descendantPids() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
            .collect(Collectors.toSet());
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
