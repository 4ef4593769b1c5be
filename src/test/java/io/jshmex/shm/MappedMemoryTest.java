package io.jshmex.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jshmex.NativeShm;
import io.jshmex.SegmentNotFoundException;
import io.jshmex.ShmSegment;
import io.jshmex.testing.ChildJvm;
import io.jshmex.testing.Gc;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.ShmFiles;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MappedMemoryTest extends LeakCheckedTest {
    private static final long THRESHOLD = 256L << 20;
    /** 30 buffers of 64 MB make 7.5 times the threshold; each costs a fresh tmpfs allocation. */
    private static final int PRESSURE_LOOPS = 30;

    /** Mappings that earlier tests left to the GC would otherwise be subtracted mid-test. */
    @BeforeEach
    void letEarlierGarbageGo() {
        Gc.settle();
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 4096, 1 << 20})
    void shouldAccountHeaderAndDataWhileMapped(long byteSize) {
        long before = MappedMemory.mappedBytes();

        ShmSegment segment = NativeShm.create(byteSize);
        long whileOpen = MappedMemory.mappedBytes();
        segment.close();

        assertEquals(64 + byteSize, whileOpen - before);
        assertEquals(before, MappedMemory.mappedBytes());
    }

    @Test
    void shouldAccountEveryAttachedMappingToo() {
        long before = MappedMemory.mappedBytes();
        try (ShmSegment creator = NativeShm.create(1000)) {
            try (ShmSegment attached = NativeShm.attach(creator.name())) {
                assertEquals(1000, attached.byteSize());
                assertEquals(2 * 1064, MappedMemory.mappedBytes() - before);
            }
            assertEquals(1064, MappedMemory.mappedBytes() - before);
        }
        assertEquals(before, MappedMemory.mappedBytes());
    }

    @Test
    void shouldGiveBackOnceWhenClosedWithLiveViews() {
        long before = MappedMemory.mappedBytes();
        AtomicInteger unmapped = new AtomicInteger();
        closeLeavingGarbageViews(unmapped);
        assertEquals(before, MappedMemory.mappedBytes(), "close must give the bytes back at once");

        assertTrue(Gc.until(() -> unmapped.get() == 1));

        assertEquals(before, MappedMemory.mappedBytes(), "the views' cleanup must not give back a second time");
    }

    private static void closeLeavingGarbageViews(AtomicInteger unmapped) {
        Mapping mapping = Mapping.create(SegmentNames.generate(), 4096, SegmentDescriptor.TYPE_RAW, 4096);
        mapping.onUnmap(unmapped::incrementAndGet);
        ByteBuffer first = mapping.view(0, 4096);
        ByteBuffer second = mapping.view(100, 100);
        first.put(0, (byte) 1);
        second.put(0, (byte) 1);
        mapping.close();
    }

    @Test
    void shouldNotAccountFailedAttach() {
        long before = MappedMemory.mappedBytes();

        assertThrows(SegmentNotFoundException.class, () -> NativeShm.attach(ShmFiles.nameForPid(Shm.pid())));

        assertEquals(before, MappedMemory.mappedBytes());
    }

    @Test
    void shouldDefaultGcThresholdToHalfOfShm() {
        assumeTrue(System.getProperty("jshmex.gcThresholdBytes") == null);

        assertEquals(Shm.totalBytes() / 2, MappedMemory.gcThreshold());
    }

    @Test
    void shouldCollectDroppedBuffersBeforeMappingPastThreshold() {
        // buffers of 64 MB that nobody releases: without pressure 1.9 GB would pile up
        ChildJvm.Result child = ChildJvm.run(List.of("-Djshmex.gcThresholdBytes=" + THRESHOLD),
            "gc-pressure", Integer.toString(PRESSURE_LOOPS), "8000000");

        assertEquals(0, child.exitCode(), child.output());
        long limit = THRESHOLD + 64_000_064L;
        assertTrue(child.longValue("peak") <= limit, child.output());
        assertTrue(child.longValue("mapped") <= limit, child.output());
    }

    @Test
    void shouldSayWhatToDoWhenOpenFilesRunOut() {
        ChildJvm.Result child = ChildJvm.runWithOpenFileLimit(128, "open-files");

        assertEquals(0, child.exitCode(), child.output());
        String refused = child.linesStartingWith("refused=").get(0);
        assertTrue(refused.contains("Too many open files") && refused.contains("ulimit -n"), child.output());
        assertTrue(child.longValue("opened") > 0 && child.longValue("opened") < 128, child.output());
    }
}
