package io.jshmex;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.shm.MappedMemory;
import io.jshmex.shm.SegmentInfo;
import io.jshmex.shm.SegmentNames;
import io.jshmex.shm.Shm;
import io.jshmex.testing.BufferKind;
import io.jshmex.testing.ChildJvm;
import io.jshmex.testing.Gc;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.ShmFiles;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class NativeShmTest extends LeakCheckedTest {
    private static final String OUR_PREFIX = "jshmex_" + ProcessHandle.current().pid() + "_";

    private final ShmFiles files = new ShmFiles();

    @AfterEach
    void removePlantedFiles() {
        files.close();
    }

    // ---- create ----

    @Test
    void shouldGenerateUniqueNamesCarryingPrefixAndPid() {
        List<ShmSegment> segments = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                segments.add(NativeShm.create(8));
            }
            Set<String> names = segments.stream().map(ShmSegment::name).collect(Collectors.toSet());
            assertEquals(segments.size(), names.size(), "names repeat: " + names);
            List<String> listed = NativeShm.list();
            for (String name : names) {
                assertTrue(name.startsWith(OUR_PREFIX), name);
                assertTrue(name.length() <= 30, name + " is longer than a portable name may be");
                assertTrue(listed.contains(name), name + " is not listed");
            }
        } finally {
            segments.forEach(ShmSegment::close);
        }
    }

    @Test
    void shouldCreateSegmentFileWithModeExactly0600() throws IOException {
        try (ShmSegment segment = NativeShm.create(100)) {
            assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(ShmFiles.path(segment.name())));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 63, 4096, 4097, 1_000_000})
    void shouldSizeSegmentFileAsHeaderPlusData(long byteSize) throws IOException {
        try (ShmSegment segment = NativeShm.create(byteSize)) {
            assertEquals(byteSize, segment.byteSize());
            assertEquals(64 + byteSize, Files.size(ShmFiles.path(segment.name())));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4096, 3 << 20})
    void shouldHandOutZeroedData(int byteSize) {
        try (ShmSegment segment = NativeShm.create(byteSize)) {
            ByteBuffer data = segment.asByteBuffer();
            for (int i = 0; i < byteSize; i++) {
                if (data.get(i) != 0) {
                    throw new AssertionError("byte " + i + " of a new segment is " + data.get(i));
                }
            }
        }
    }

    @Test
    void shouldCreateSegmentUnderGivenNameAndUnlinkItOnClose() throws IOException {
        String name = "jshmextest-" + ThreadLocalRandom.current().nextInt(1 << 30);
        try (ShmSegment segment = NativeShm.create(name, 100)) {
            assertEquals(name, segment.name());
            assertEquals(164, Files.size(ShmFiles.path(name)));
            assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(ShmFiles.path(name)));
        }
        assertFalse(ShmFiles.exists(name));
    }

    @Test
    void shouldAcceptGivenNameOfExactly250Characters() {
        String name = "jshmextest-" + "n".repeat(239);
        assertEquals(250, name.length());
        try (ShmSegment segment = NativeShm.create(name, 8)) {
            assertTrue(ShmFiles.exists(segment.name()));
        }
        assertFalse(ShmFiles.exists(name));
    }

    @Test
    void shouldRefuseToCreateExistingSegmentAndLeaveItUntouched() throws IOException {
        try (ShmSegment existing = NativeShm.create(1000)) {
            existing.asByteBuffer().put(0, (byte) 42).put(999, (byte) 43);
            byte[] before = ShmFiles.read(existing.name());
            long mappedBefore = MappedMemory.mappedBytes();

            SegmentExistsException e = assertThrows(SegmentExistsException.class,
                () -> NativeShm.create(existing.name(), 10));

            assertEquals(existing.name(), e.segmentName());
            assertTrue(e.getMessage().contains("exists already"), e.getMessage());
            assertArrayEquals(before, ShmFiles.read(existing.name()));
            assertEquals(1064, Files.size(ShmFiles.path(existing.name())));
            assertEquals(42, existing.asByteBuffer().get(0));
            assertEquals(mappedBefore, MappedMemory.mappedBytes(), "a failed create must not stay accounted");
        }
    }

    @Test
    void shouldRefuseToCreateOverForeignFileOfSameName() {
        String name = ShmFiles.foreignName("occupied");
        byte[] content = "not a segment".getBytes();
        files.plant(name, content);

        assertThrows(SegmentExistsException.class, () -> NativeShm.create(name, 4096));

        assertArrayEquals(content, ShmFiles.read(name));
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, -64, Long.MIN_VALUE})
    void shouldRejectNegativeSize(long byteSize) {
        IllegalArgumentException unnamed = assertThrows(IllegalArgumentException.class,
            () -> NativeShm.create(byteSize));
        assertTrue(unnamed.getMessage().contains(Long.toString(byteSize)), unnamed.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NativeShm.create("jshmextest-negative", byteSize));
        assertFalse(ShmFiles.exists("jshmextest-negative"));
    }

    static Stream<Arguments> invalidNames() {
        return Stream.of(
            Arguments.of(null, "empty"),
            Arguments.of("", "empty"),
            Arguments.of("a/b", "contains '/'"),
            Arguments.of("/leading", "contains '/'"),
            Arguments.of(".", "not a valid file name"),
            Arguments.of("..", "not a valid file name"),
            Arguments.of("nul\0inside", "not a valid file name"),
            Arguments.of("x".repeat(251), "251 characters"));
    }

    @ParameterizedTest
    @MethodSource("invalidNames")
    void shouldRejectInvalidGivenNameWithClearMessage(String name, String reason) {
        IllegalArgumentException create = assertThrows(IllegalArgumentException.class, () -> NativeShm.create(name, 8));
        IllegalArgumentException attach = assertThrows(IllegalArgumentException.class, () -> NativeShm.attach(name));
        IllegalArgumentException unlink = assertThrows(IllegalArgumentException.class, () -> NativeShm.unlink(name));
        assertAll(
            () -> assertTrue(create.getMessage().contains(reason), create.getMessage()),
            () -> assertTrue(attach.getMessage().contains(reason), attach.getMessage()),
            () -> assertTrue(unlink.getMessage().contains(reason), unlink.getMessage()));
    }

    // ---- a full /dev/shm ----

    @Test
    void shouldThrowSpaceExceptionNamingSizesWhenShmIsFull() {
        long requested = Shm.totalBytes() + (1L << 30);
        Set<String> before = ourSegments();
        long mappedBefore = MappedMemory.mappedBytes();

        ShmSpaceException e = assertThrows(ShmSpaceException.class, () -> NativeShm.create(requested));

        long freeNow = Shm.freeBytes();
        assertAll(
            () -> assertEquals(64 + requested, e.requestedBytes()),
            () -> assertTrue(Math.abs(e.freeBytes() - freeNow) < (256L << 20),
                "free bytes " + e.freeBytes() + " vs " + freeNow + " now"),
            () -> assertTrue(e.getMessage().contains(Long.toString(e.requestedBytes())), e.getMessage()),
            () -> assertTrue(e.getMessage().contains(Long.toString(e.freeBytes())), e.getMessage()),
            () -> assertTrue(e.getMessage().contains("--shm-size"), e.getMessage()),
            () -> assertEquals(28, e.errno()),
            () -> assertNotNull(e.segmentName()),
            () -> assertFalse(ShmFiles.exists(e.segmentName()), "the failed segment is left in /dev/shm"),
            () -> assertEquals(before, ourSegments()),
            () -> assertEquals(mappedBefore, MappedMemory.mappedBytes()));
        try (ShmSegment next = NativeShm.create(4096)) {
            next.asByteBuffer().put(4095, (byte) 1);
            assertEquals(1, next.asByteBuffer().get(4095));
        }
    }

    @Test
    void shouldRefuseAbsurdSizeWithoutLeavingAnything() {
        Set<String> before = ourSegments();
        long mappedBefore = MappedMemory.mappedBytes();

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeShm.create(Long.MAX_VALUE));
        assertTrue(e.getMessage().contains("2^46"), e.getMessage());

        assertEquals(before, ourSegments());
        assertEquals(mappedBefore, MappedMemory.mappedBytes());
    }

    // ---- attach ----

    @Test
    void shouldSeeDataWrittenThroughAnotherAttachedSegment() {
        try (ShmSegment creator = NativeShm.create(8 * 1000);
             ShmSegment attached = NativeShm.attach(creator.name())) {
            assertEquals(creator.byteSize(), attached.byteSize());
            creator.asDoubleBuffer().put(999, Math.PI);
            attached.asByteBuffer().put(0, (byte) 7);

            assertEquals(Math.PI, attached.asDoubleBuffer().get(999));
            assertEquals(7, creator.asByteBuffer().get(0));
        }
    }

    @Test
    void shouldShareMemoryWithAnotherProcess() {
        try (ShmSegment segment = NativeShm.create(8 * 100)) {
            DoubleBuffer values = segment.asDoubleBuffer();
            for (int i = 0; i < 100; i++) {
                values.put(i, i);
            }

            ChildJvm.Result child = ChildJvm.run(List.of(), "attach-and-increment", segment.name());

            assertEquals(0, child.exitCode(), child.output());
            assertEquals(4950.0, Double.parseDouble(child.linesStartingWith("sum=").get(0)));
            for (int i = 0; i < 100; i++) {
                assertEquals(i + 1, values.get(i), "the child's write to element " + i + " is not seen here");
            }
            assertTrue(ShmFiles.exists(segment.name()), "a process that attached must not unlink on close");
        }
    }

    @Test
    void shouldLeaveNoSegmentBehindWhenProcessExitsNormally() {
        ChildJvm.Result child = ChildJvm.run(List.of(), "create-and-exit", "2");
        List<String> created = child.linesStartingWith("created ");
        long childPid = created.isEmpty() ? -1 : SegmentNames.creatorPid(created.get(0));
        List<String> left = NativeShm.list().stream()
            .filter(name -> SegmentNames.creatorPid(name) == childPid)
            .collect(Collectors.toList());
        left.forEach(NativeShm::unlink);

        assertEquals(0, child.exitCode(), child.output());
        assertEquals(2, created.size(), child.output());
        assertEquals(List.of(), left, "segments of a process that ended normally stay in /dev/shm");
    }

    @Test
    void shouldThrowSegmentNotFoundForMissingName() {
        String name = ShmFiles.nameForPid(ProcessHandle.current().pid());

        SegmentNotFoundException e = assertThrows(SegmentNotFoundException.class, () -> NativeShm.attach(name));

        assertEquals(name, e.segmentName());
        assertEquals(2, e.errno());
        assertTrue(e.getMessage().contains(name), e.getMessage());
    }

    @Test
    void shouldNotFindSegmentAfterItsCreatorClosedIt() {
        ShmSegment segment = NativeShm.create(16);
        segment.close();

        assertThrows(SegmentNotFoundException.class, () -> NativeShm.attach(segment.name()));
    }

    // ---- shm-backed buffers ----

    static Stream<Arguments> kindsAndLengths() {
        return Stream.of(BufferKind.values())
            .flatMap(kind -> Stream.of(1, 1000, 300_000).map(n -> Arguments.of(kind, n)));
    }

    @ParameterizedTest
    @MethodSource("kindsAndLengths")
    void shouldAllocateZeroedDirectNativeOrderBuffer(BufferKind kind, int n) {
        Buffer buffer = kind.allocate(n);
        try {
            assertEquals(n, buffer.capacity());
            assertEquals(n, buffer.limit());
            assertEquals(0, buffer.position());
            assertTrue(buffer.isDirect());
            assertFalse(buffer.isReadOnly());
            assertEquals(ByteOrder.nativeOrder(), kind.order(buffer));
            for (int i = 0; i < n; i++) {
                if (kind.get(buffer, i) != 0) {
                    throw new AssertionError("element " + i + " of a new buffer is " + kind.get(buffer, i));
                }
            }
            kind.put(buffer, n - 1, 5);
            assertEquals(5, kind.get(buffer, n - 1));
        } finally {
            assertTrue(NativeShm.release(buffer));
        }
    }

    @ParameterizedTest
    @EnumSource(BufferKind.class)
    void shouldBackBufferWithListedSegmentRecordingItsType(BufferKind kind) {
        Set<String> before = ourSegments();
        Buffer buffer = kind.allocate(123);
        try {
            String name = onlyNewSegment(before);
            SegmentInfo info = Shm.readHeader(name);
            assertAll(
                () -> assertEquals(kind.elementType(), info.elementType()),
                () -> assertEquals(123, info.elementCount()),
                () -> assertEquals(123L * kind.elementBytes(), info.dataBytes()),
                () -> assertEquals(ProcessHandle.current().pid(), info.creatorPid()));
        } finally {
            NativeShm.release(buffer);
        }
    }

    @ParameterizedTest
    @EnumSource(BufferKind.class)
    void shouldReleaseBufferAtOnce(BufferKind kind) {
        Set<String> before = ourSegments();
        long mappedBefore = MappedMemory.mappedBytes();
        Buffer buffer = kind.allocate(1000);
        String name = onlyNewSegment(before);
        kind.put(buffer, 10, 99);

        assertTrue(NativeShm.release(buffer));

        assertFalse(NativeShm.list().contains(name), "released buffer's segment is still listed");
        assertFalse(ShmFiles.mappedHere(name), "released buffer's segment is still mapped");
        assertEquals(mappedBefore, MappedMemory.mappedBytes());
        assertEquals(0, kind.get(buffer, 10), "a released buffer must read zeros");
        kind.put(buffer, 10, 1);
        assertFalse(NativeShm.release(buffer), "a second release has nothing left to do");
    }

    @Test
    void shouldReleaseBufferThroughSliceOrDuplicate() {
        Set<String> before = ourSegments();
        DoubleBuffer buffer = NativeShm.doubles(100);
        String name = onlyNewSegment(before);
        DoubleBuffer slice = buffer.position(40).slice();
        buffer.rewind();

        assertTrue(NativeShm.release(slice));

        assertFalse(NativeShm.list().contains(name));
        assertEquals(0, buffer.get(99));
        DoubleBuffer other = NativeShm.doubles(10);
        assertTrue(NativeShm.release(other.duplicate()));
    }

    @Test
    void shouldReleaseEmptyBufferAtOnce() {
        Set<String> before = ourSegments();
        DoubleBuffer empty = NativeShm.doubles(0);
        String name = onlyNewSegment(before);
        assertEquals(0, empty.capacity());

        assertTrue(NativeShm.release(empty), "an empty buffer is backed by a segment too");
        assertFalse(NativeShm.list().contains(name));
    }

    @ParameterizedTest
    @EnumSource(BufferKind.class)
    void shouldUnlinkAndUnmapUnreachableBuffer(BufferKind kind) {
        long mappedBefore = MappedMemory.mappedBytes();
        String name = allocateAndDrop(kind);
        assertTrue(NativeShm.list().contains(name));

        assertTrue(Gc.until(() -> !NativeShm.list().contains(name) && !ShmFiles.mappedHere(name)),
            "the segment of an unreachable buffer was not released");
        assertTrue(Gc.until(() -> MappedMemory.mappedBytes() <= mappedBefore));
    }

    private String allocateAndDrop(BufferKind kind) {
        Set<String> before = ourSegments();
        kind.put(kind.allocate(1000), 0, 1);
        return onlyNewSegment(before);
    }

    @ParameterizedTest
    @EnumSource(BufferKind.class)
    void shouldRejectNegativeBufferLength(BufferKind kind) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> kind.allocate(-1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(value = BufferKind.class, names = "BYTES", mode = EnumSource.Mode.EXCLUDE)
    void shouldRejectBufferLongerThanTwoGiB(BufferKind kind) {
        int justTooMany = Integer.MAX_VALUE / kind.elementBytes() + 1;

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> kind.allocate(justTooMany));

        assertTrue(e.getMessage().contains("2 GiB"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> kind.allocate(Integer.MAX_VALUE));
    }

    static Stream<Arguments> foreignBuffers() {
        return Stream.of(
            Arguments.of("heap bytes", (Supplier<Buffer>) () -> ByteBuffer.allocate(64)),
            Arguments.of("heap doubles", (Supplier<Buffer>) () -> DoubleBuffer.allocate(8)),
            Arguments.of("wrapped array", (Supplier<Buffer>) () -> DoubleBuffer.wrap(new double[8])),
            Arguments.of("JDK direct bytes", (Supplier<Buffer>) () -> ByteBuffer.allocateDirect(64)),
            Arguments.of("null", (Supplier<Buffer>) () -> null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("foreignBuffers")
    void shouldNotReleaseBufferItDidNotMake(String description, Supplier<Buffer> buffer) {
        assertFalse(NativeShm.release(buffer.get()));
    }

    @Test
    void shouldReleaseViewOfAttachedSegmentWithoutUnlinkingName() {
        try (ShmSegment creator = NativeShm.create(64)) {
            ShmSegment attached = NativeShm.attach(creator.name());
            ByteBuffer view = attached.asByteBuffer();

            assertTrue(NativeShm.release(view));

            assertTrue(attached.isClosed());
            assertTrue(NativeShm.list().contains(creator.name()));
        }
    }

    // ---- list, unlink, clear ----

    @Test
    void shouldListOnlyThisLibrarysNamesSorted() {
        String unrelated = "jshmextest-unlisted-" + ThreadLocalRandom.current().nextInt(1 << 30);
        files.plant(unrelated, new byte[64]);
        String foreign = ShmFiles.foreignName("listed");
        files.plant(foreign, new byte[1]);
        try (ShmSegment a = NativeShm.create(1); ShmSegment b = NativeShm.create(1)) {
            List<String> listed = NativeShm.list();

            assertTrue(listed.containsAll(List.of(a.name(), b.name(), foreign)), listed.toString());
            assertFalse(listed.contains(unrelated));
            assertEquals(listed.stream().sorted().collect(Collectors.toList()), listed);
        }
    }

    @Test
    void shouldUnlinkNameOnceAndReportWhetherItExisted() {
        try (ShmSegment segment = NativeShm.create(8)) {
            assertTrue(NativeShm.unlink(segment.name()));
            assertFalse(NativeShm.unlink(segment.name()));
            assertFalse(ShmFiles.exists(segment.name()));
        }
    }

    @Test
    void shouldClearEverySegmentOfThisLibraryAndCountThem() {
        String foreign = ShmFiles.foreignName("cleared");
        files.plant(foreign, new byte[10]);
        List<ShmSegment> segments = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                segments.add(NativeShm.create(100));
            }
            segments.get(0).asByteBuffer().put(0, (byte) 9);

            int removed = NativeShm.clear();

            assertTrue(removed >= 4, "removed " + removed);
            assertFalse(ShmFiles.exists(foreign));
            segments.forEach(segment -> assertFalse(ShmFiles.exists(segment.name()), segment.name()));
            assertEquals(9, segments.get(0).asByteBuffer().get(0), "clear() only removes names, mappings stay");
        } finally {
            segments.forEach(ShmSegment::close);
        }
    }

    // ---- availability ----

    @Test
    void shouldBeAvailableOnLinux() {
        assertTrue(NativeShm.isAvailable());
        assertNull(NativeShm.unavailabilityCause());
    }

    private static Set<String> ourSegments() {
        return NativeShm.list().stream().filter(name -> name.startsWith(OUR_PREFIX))
            .collect(Collectors.toCollection(HashSet::new));
    }

    private static String onlyNewSegment(Set<String> before) {
        Set<String> now = ourSegments();
        now.removeAll(before);
        assertEquals(1, now.size(), "expected one new segment, found " + now);
        return now.iterator().next();
    }
}
