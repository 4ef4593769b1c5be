package io.jshmex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.shm.Shm;
import io.jshmex.testing.ChildJvm;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.ShmFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CliTest extends LeakCheckedTest {
    private final ShmFiles files = new ShmFiles();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @AfterEach
    void removePlantedFiles() {
        files.close();
    }

    private int run(String... args) {
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            return Cli.run(args, o, e);
        }
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldReportAvailabilityAndFreeShmInInfo() {
        assertEquals(0, run("info"));

        assertTrue(out().contains("native layer:    available"), out());
        assertTrue(out().lines().anyMatch(line -> line.startsWith("/dev/shm:") && line.contains(" free of ")), out());
        assertTrue(out().contains("segments:"), out());
        assertTrue(out().contains("GC threshold"), out());
    }

    @Test
    void shouldShowInfoWhenGivenNoCommand() {
        assertEquals(0, run());

        assertTrue(out().contains("native layer:    available"), out());
    }

    @Test
    void shouldListSegmentsOnePerLineAndCountThem() {
        try (ShmSegment a = NativeShm.create(8); ShmSegment b = NativeShm.create(8)) {
            assertEquals(0, run("list"));

            List<String> lines = out().lines().toList();
            assertTrue(lines.contains(a.name()) && lines.contains(b.name()), out());
            assertEquals(NativeShm.list(), lines);
            assertTrue(err().contains(lines.size() + " segment(s)"), err());
        }
    }

    @Test
    void shouldClearAllSegments() {
        try (ShmSegment a = NativeShm.create(8); ShmSegment b = NativeShm.create(8)) {
            assertEquals(0, run("clear"));

            assertFalse(ShmFiles.exists(a.name()));
            assertFalse(ShmFiles.exists(b.name()));
            assertTrue(out().matches("(?s)removed [0-9]+ segment\\(s\\)\\R"), out());
        }
    }

    @Test
    void shouldClearOnlyOrphansWhenAsked() {
        String orphan = ShmFiles.nameForPid(ChildJvm.deadPid());
        files.plant(orphan, new byte[64]);
        try (ShmSegment mine = NativeShm.create(8)) {
            assertEquals(0, run("clear", "--orphans"));

            assertFalse(ShmFiles.exists(orphan));
            assertTrue(ShmFiles.exists(mine.name()));
            assertTrue(out().contains("orphaned segment(s)"), out());
            assertFalse(out().contains("removed 0 "), out());
        }
    }

    static Stream<Arguments> badUsage() {
        return Stream.of(
            Arguments.of((Object) new String[] {"frobnicate"}),
            Arguments.of((Object) new String[] {"clear", "--all"}),
            Arguments.of((Object) new String[] {"clear", "orphans"}),
            Arguments.of((Object) new String[] {"--help"}));
    }

    @ParameterizedTest
    @MethodSource("badUsage")
    void shouldExitWithTwoOnBadUsage(String[] args) {
        try (ShmSegment survivor = NativeShm.create(8)) {
            assertEquals(2, run(args));

            assertTrue(err().contains("usage: jshmex list | clear [--orphans] | info"), err());
            assertTrue(ShmFiles.exists(survivor.name()), "bad usage must change nothing");
        }
    }

    @Test
    void shouldBeRunnableWhereNativeLayerLoads() {
        assertTrue(Shm.isAvailable());
    }
}
