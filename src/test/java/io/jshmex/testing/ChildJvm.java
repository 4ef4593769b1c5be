package io.jshmex.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Runs {@link ChildMain} in a fresh JVM that shares nothing with this one but the class path. */
public final class ChildJvm {
    /** Only a guard against a hung child; the scenarios take a few seconds at most. */
    private static final long HANG_GUARD_SECONDS = 120;

    /** How a child ended: its exit code and everything it wrote to stdout and stderr. */
    public record Result(int exitCode, String output) {
        /** The value of the first {@code key=value} line, or fails if the child printed none. */
        public long longValue(String key) {
            return output.lines().filter(line -> line.startsWith(key + "="))
                .map(line -> Long.parseLong(line.substring(key.length() + 1).trim()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("child printed no " + key + "=...: " + output));
        }

        public List<String> linesStartingWith(String prefix) {
            return output.lines().filter(line -> line.startsWith(prefix))
                .map(line -> line.substring(prefix.length()).trim())
                .toList();
        }
    }

    private ChildJvm() {
    }

    public static Result run(List<String> jvmArgs, String... args) {
        return run(0, jvmArgs, args);
    }

    /** Like {@link #run(List, String...)}, the child allowed {@code limit} open files (soft and hard). */
    public static Result runWithOpenFileLimit(int limit, String... args) {
        return run(limit, List.of(), args);
    }

    private static Result run(int openFileLimit, List<String> jvmArgs, String... args) {
        List<String> command = new ArrayList<>();
        if (openFileLimit > 0) {
            // exec keeps the pid, so a crash report is still found by it
            command.addAll(List.of("sh", "-c", "ulimit -n " + openFileLimit + " && exec \"$@\"", "sh"));
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xmx256m");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:-UsePerfData");
        // a crashing child must not drop its hs_err file into the project directory
        command.add("-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "jshmex-child-hs_err_%p.log"));
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ChildMain.class.getName());
        command.addAll(List.of(args));
        File output = null;
        try {
            output = File.createTempFile("jshmex-child", ".out");
            Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output)
                .start();
            process.getOutputStream().close();
            if (!process.waitFor(HANG_GUARD_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("child JVM " + List.of(args) + " hung: "
                    + Files.readString(output.toPath(), StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(),
                Files.readString(output.toPath(), StandardCharsets.UTF_8) + crashReport(process.pid()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for a child JVM", e);
        } finally {
            if (output != null) {
                output.delete();
            }
        }
    }

    /** The head of a crashed child's hs_err file, which is then deleted; empty if it did not crash. */
    private static String crashReport(long pid) throws IOException {
        Path report = Path.of(System.getProperty("java.io.tmpdir"), "jshmex-child-hs_err_" + pid + ".log");
        if (!Files.exists(report)) {
            return "";
        }
        try (Stream<String> lines = Files.lines(report, StandardCharsets.ISO_8859_1)) {
            return lines.limit(40).collect(Collectors.joining("\n", "\n--- " + report + " ---\n", "\n"));
        } finally {
            Files.deleteIfExists(report);
        }
    }

    /** The pid of a process that has run and been reaped: certainly not alive now. */
    public static long deadPid() {
        try {
            Process process = new ProcessBuilder("true").start();
            process.waitFor();
            return process.pid();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
