package io.jshmex.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.testing.LeakCheckedTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerCommandTest extends LeakCheckedTest {

    private static PoolSettings settings(List<String> jvmArgs) {
        return new PoolSettings(2, jvmArgs, null, 0, Duration.ofMinutes(5), Duration.ZERO, 65_536, 0,
            Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofNanos(12_345));
    }

    @Test
    void shouldStartTheParentsJavaWithItsClassPathNativeAccessAndTheBuildersJvmArgs() {
        List<String> jvmArgs = List.of("-Xmx123m", "-Dfoo=bar baz", "-XX:+UseSerialGC");
        Path socket = Path.of("/tmp/jshmex-test/w1.sock");

        List<String> command = WorkerProcess.command(settings(jvmArgs), socket);

        assertEquals(Path.of(System.getProperty("java.home"), "bin", "java").toString(), command.get(0));
        assertTrue(command.contains("--enable-native-access=ALL-UNNAMED"), command.toString());
        int cp = command.indexOf("-cp");
        assertTrue(cp > 0, command.toString());
        assertEquals(System.getProperty("java.class.path"), command.get(cp + 1));
        int main = command.indexOf(WorkerMain.class.getName());
        int args = Collections.indexOfSubList(command, jvmArgs);
        assertTrue(args > 0, "the builder's jvmArgs are missing, or split or reordered: " + command);
        // after the main class they would be the program's arguments, not the JVM's
        assertTrue(args < main && cp < main, command.toString());
        assertTrue(command.indexOf(socket.toString()) > main, command.toString());
        assertEquals(List.of(socket.toString(), "65536", "30000", "12345"), command.subList(main + 1, command.size()));
    }
}
