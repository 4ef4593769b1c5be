package io.jshmex.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.NativeShm;
import io.jshmex.ShmSegment;
import io.jshmex.testing.ChildJvm;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.ShmFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OrphanSweepTest extends LeakCheckedTest {
    private static final long DAY_MS = Duration.ofDays(1).toMillis();

    private final ShmFiles files = new ShmFiles();

    @AfterEach
    void removePlantedFiles() {
        files.close();
    }

    @Test
    void shouldRemoveExactlyTheSegmentsOfDeadProcesses() {
        NativeShm.clearOrphans();
        try (ShmSegment mine = NativeShm.create(64)) {
            ChildJvm.Result child = ChildJvm.run(List.of(), "create-and-die", "3");
            List<String> orphans = child.linesStartingWith("created ");
            assertEquals(0, child.exitCode(), child.output());
            assertEquals(3, orphans.size(), child.output());
            assertTrue(NativeShm.list().containsAll(orphans), "the child's segments outlived it: " + orphans);

            int removed = NativeShm.clearOrphans();

            assertEquals(3, removed);
            for (String orphan : orphans) {
                assertFalse(ShmFiles.exists(orphan), orphan);
            }
            assertTrue(ShmFiles.exists(mine.name()), "a live process's segment was swept");
        }
    }

    static Stream<Arguments> livePids() {
        return Stream.of(
            Arguments.of("this process", ProcessHandle.current().pid()),
            Arguments.of("its parent", ProcessHandle.current().parent().orElseThrow().pid()),
            Arguments.of("init", 1L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("livePids")
    void shouldKeepUnreadableSegmentNamedAfterLiveProcess(String who, long pid) {
        String name = ShmFiles.nameForPid(pid);
        files.plant(name, "garbage, not a header".getBytes());

        NativeShm.clearOrphans();

        assertTrue(ShmFiles.exists(name), "a segment of live pid " + pid + " was swept");
    }

    @Test
    void shouldRemoveUnreadableSegmentNamedAfterDeadProcess() {
        NativeShm.clearOrphans();
        String name = ShmFiles.nameForPid(ChildJvm.deadPid());
        files.plant(name, new byte[10]);

        assertEquals(1, NativeShm.clearOrphans());

        assertFalse(ShmFiles.exists(name));
    }

    @Test
    void shouldKeepSegmentWhoseNameCarriesNoPid() {
        String name = ShmFiles.foreignName("pidless");
        files.plant(name, new byte[100]);

        NativeShm.clearOrphans();

        assertTrue(ShmFiles.exists(name));
    }

    @Test
    void shouldTrustHeaderOverNameToFindCreator() {
        long deadPid = ChildJvm.deadPid();
        String namedDeadCreatedLive = ShmFiles.nameForPid(deadPid);
        files.plant(namedDeadCreatedLive, segment(Shm.pid(), Shm.startMillis()));
        String namedLiveCreatedDead = ShmFiles.nameForPid(Shm.pid());
        files.plant(namedLiveCreatedDead, segment(deadPid, Shm.startMillis()));

        NativeShm.clearOrphans();

        assertTrue(ShmFiles.exists(namedDeadCreatedLive), "the header says its creator lives");
        assertFalse(ShmFiles.exists(namedLiveCreatedDead), "the header says its creator is dead");
    }

    @Test
    void shouldKeepSegmentOfLiveProcessWithMatchingStartTime() {
        ProcessHandle parent = ProcessHandle.current().parent().orElseThrow();
        long started = parent.info().startInstant().map(Instant::toEpochMilli).orElseThrow();
        String name = ShmFiles.nameForPid(parent.pid());
        files.plant(name, segment(parent.pid(), started));

        NativeShm.clearOrphans();

        assertTrue(ShmFiles.exists(name));
    }

    @Test
    void shouldKeepSegmentOfLiveProcessWithUnknownStartTime() {
        long parent = ProcessHandle.current().parent().orElseThrow().pid();
        String name = ShmFiles.nameForPid(parent);
        files.plant(name, segment(parent, 0));

        NativeShm.clearOrphans();

        assertTrue(ShmFiles.exists(name));
    }

    @Test
    void shouldRemoveSegmentOfEarlierProcessWhosePidWasReused() {
        ProcessHandle parent = ProcessHandle.current().parent().orElseThrow();
        long started = parent.info().startInstant().map(Instant::toEpochMilli).orElseThrow();
        NativeShm.clearOrphans();
        String name = ShmFiles.nameForPid(parent.pid());
        files.plant(name, segment(parent.pid(), started - DAY_MS));

        assertEquals(1, NativeShm.clearOrphans());

        assertFalse(ShmFiles.exists(name), "the pid lives, but it is another process now");
    }

    @Test
    void shouldRemoveSegmentOfEarlierProcessThatHadThisPid() {
        // what a container restarted with the same /dev/shm meets: its JVM gets the same pid again
        String name = ShmFiles.nameForPid(Shm.pid());
        files.plant(name, segment(Shm.pid(), Shm.startMillis() - DAY_MS));

        NativeShm.clearOrphans();

        assertFalse(ShmFiles.exists(name), "left over by an earlier process with this pid, yet kept");
    }

    @Test
    void shouldNotBlockOnFifoNamedLikeSegment() throws Exception {
        // anyone may create files in /dev/shm; opening a FIFO for reading waits for a writer
        NativeShm.clearOrphans();
        String name = ShmFiles.nameForPid(ChildJvm.deadPid());
        Path fifo = files.track(ShmFiles.path(name));
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mkfifo.waitFor());
        AtomicInteger removed = new AtomicInteger(-1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread sweeper = new Thread(() -> {
            try {
                removed.set(NativeShm.clearOrphans());
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "orphan-sweeper");
        sweeper.setDaemon(true);
        sweeper.start();

        sweeper.join(3_000);
        boolean blocked = sweeper.isAlive();
        if (blocked) {
            unblock(fifo);
            sweeper.join(10_000);
        }

        assertFalse(blocked, "clearOrphans() blocked opening the FIFO " + fifo);
        assertNull(failure.get());
        assertEquals(1, removed.get(), "a FIFO named after a dead pid is an orphan like any other file");
    }

    /** Opening a FIFO read-write never waits, and gives a blocked reader the writer it waits for. */
    private static void unblock(Path fifo) throws IOException {
        new RandomAccessFile(fifo.toFile(), "rw").close();
    }

    /** A well-formed segment of 16 data bytes, as if the given process had created it. */
    private static byte[] segment(long pid, long startMs) {
        ByteBuffer header = ShmFiles.header(SegmentDescriptor.TYPE_RAW, 16, 16, pid, startMs);
        return ShmFiles.segmentBytes(header, 16);
    }
}
