package io.jshmex.reliability;

import io.jshmex.testing.ReliabilityChildMain;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A child JVM running {@link ReliabilityChildMain}, with its output read line by line as it comes
 * (a test waits for "ready" before it kills), optionally inside a private mount namespace with a
 * tmpfs of its own over /dev/shm.
 */
final class Child implements AutoCloseable {
    private static Boolean privateShm;

    final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuilder output = new StringBuilder();
    private final Thread reader;

    private Child(Process process) {
        this.process = process;
        this.reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the child is gone
            }
        }, "child-output");
        reader.setDaemon(true);
        reader.start();
    }

    static Path errorFile(long pid) {
        return Path.of(System.getProperty("java.io.tmpdir"), "jshmex-rel-hs_err_" + pid + ".log");
    }

    private static List<String> java(List<String> jvmArgs, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-XX:ErrorFile=" + errorFile(0).toString().replace("_0.log", "_%p.log"));
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ReliabilityChildMain.class.getName());
        command.addAll(List.of(args));
        return command;
    }

    static Child start(List<String> jvmArgs, String... args) throws IOException {
        return new Child(new ProcessBuilder(java(jvmArgs, args)).redirectErrorStream(true).start());
    }

    /**
     * Starts the child in a mount namespace of its own, with a tmpfs of {@code size} (e.g. "64m")
     * over /dev/shm: shm_open always uses /dev/shm, so this is the only way to give the library a
     * small one without touching the machine's.
     */
    static Child startWithPrivateShm(String size, List<String> jvmArgs, String... args) throws IOException {
        Assumptions.assumeTrue(privateShmWorks(), "needs root and unshare(1) to mount a private tmpfs over /dev/shm");
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
            "mount -t tmpfs -o size=" + size + " tmpfs /dev/shm && exec \"$@\"", "sh"));
        command.addAll(java(jvmArgs, args));
        return new Child(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    static synchronized boolean privateShmWorks() {
        if (privateShm == null) {
            privateShm = false;
            try {
                Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
                String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (id.waitFor() == 0 && uid.equals("0")) {
                    Process probe = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c",
                        "mount -t tmpfs -o size=1m tmpfs /dev/shm && test \"$(df -k /dev/shm | tail -1 | awk '{print $2}')\" -le 1024")
                        .redirectErrorStream(true).start();
                    probe.getInputStream().readAllBytes();
                    privateShm = probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0;
                }
            } catch (IOException e) {
                privateShm = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return privateShm;
    }

    /** The next line that starts with {@code prefix}, or null after {@code millis}. */
    String awaitLine(String prefix, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (true) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return null;
            }
            String line = lines.poll(Math.min(left, 100), TimeUnit.MILLISECONDS);
            if (line != null && line.startsWith(prefix)) {
                return line;
            }
            if (line == null && !process.isAlive() && lines.isEmpty()) {
                reader.join(1000);
                if (lines.isEmpty()) {
                    return null;
                }
            }
        }
    }

    /** Waits for the child to end; its exit code, or -1 if it did not end in time (then it is killed). */
    int await(long millis) throws InterruptedException {
        if (!process.waitFor(millis, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            return -1;
        }
        reader.join(5000);
        return process.exitValue();
    }

    String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    /** The head of the hs_err file the child wrote if it crashed (deleted once read), or null. */
    String crashReport() {
        Path report = errorFile(process.pid());
        if (!Files.exists(report)) {
            return null;
        }
        try {
            List<String> head = Files.readAllLines(report, StandardCharsets.ISO_8859_1);
            Files.deleteIfExists(report);
            return String.join(" / ", head.subList(0, Math.min(12, head.size())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
