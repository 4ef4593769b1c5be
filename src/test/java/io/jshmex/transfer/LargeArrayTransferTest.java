package io.jshmex.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jshmex.testing.LargeArrayMain;
import io.jshmex.testing.LeakCheckedTest;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A double[] of 2.4 GB, larger than any single buffer view, round trips through a worker. The
 * caller side runs in a JVM of its own: the test JVM's heap is too small for two such arrays.
 */
@Tag("large")
class LargeArrayTransferTest extends LeakCheckedTest {
    private static final int ELEMENTS = 300_000_000;
    /** Caller heap, worker heap, the block each side sends through, with some room left. */
    private static final long MEMORY_NEEDED = 16L << 30;
    private static final long SHM_NEEDED = 6L << 30;

    @Test
    void shouldRoundTripDoubleArrayLargerThanTwoGibibytes() throws Exception {
        long available = memAvailable();
        long shmFree = Files.getFileStore(Path.of("/dev/shm")).getUsableSpace();
        assumeTrue(available >= MEMORY_NEEDED && shmFree >= SHM_NEEDED,
            "needs " + (MEMORY_NEEDED >> 30) + " GiB of memory and " + (SHM_NEEDED >> 30) + " GiB in /dev/shm; "
                + "available " + (available >> 20) + " MiB and " + (shmFree >> 20) + " MiB");

        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--enable-native-access=ALL-UNNAMED", "-Xmx8g",
            "-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "jshmex-large-hs_err_%p.log"),
            "-cp", System.getProperty("java.class.path"), LargeArrayMain.class.getName(),
            Integer.toString(ELEMENTS), "-Xmx6g");
        File output = File.createTempFile("jshmex-large", ".out");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output).start();
            process.getOutputStream().close();
            if (!process.waitFor(600, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("the large transfer hung: " + Files.readString(output.toPath()));
            }
            String printed = Files.readString(output.toPath(), StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), printed);
            assertEquals(List.of("0"), value(printed, "failures"), printed);
            assertEquals(List.of(Long.toString(8L * ELEMENTS)), value(printed, "bytes"), printed);
            assertEquals(List.of(Integer.toString(ELEMENTS)), value(printed, "length"), printed);
        } finally {
            output.delete();
        }
    }

    private static List<String> value(String printed, String key) {
        return printed.lines().filter(line -> line.startsWith(key + "=")).map(line -> line.substring(key.length() + 1))
            .toList();
    }

    private static long memAvailable() throws IOException {
        return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(line -> line.startsWith("MemAvailable:"))
            .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024).findFirst().orElse(0L);
    }
}
