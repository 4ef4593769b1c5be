package io.jshmex.shm;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.NativeShm;
import io.jshmex.ShmSegment;
import io.jshmex.testing.BufferKind;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.ShmFiles;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class SegmentDescriptorTest extends LeakCheckedTest {
    private static final long PID = ProcessHandle.current().pid();

    @Test
    void shouldAgreeWithNativeHeaderLayout() {
        assertDoesNotThrow(SegmentDescriptor::verifyAgainstNative);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 100, 4096})
    void shouldWriteEveryHeaderFieldAtItsDescribedOffset(long byteSize) {
        try (ShmSegment segment = NativeShm.create(byteSize)) {
            ByteBuffer header = ByteBuffer.wrap(ShmFiles.readHeader(segment.name())).order(ByteOrder.nativeOrder());

            assertAll(
                () -> assertEquals(SegmentDescriptor.MAGIC, header.getLong(SegmentDescriptor.MAGIC_OFFSET)),
                () -> assertEquals(SegmentDescriptor.MAGIC, SegmentDescriptor.magic(header)),
                () -> assertEquals(SegmentDescriptor.VERSION, header.getInt(SegmentDescriptor.VERSION_OFFSET)),
                () -> assertEquals(SegmentDescriptor.TYPE_RAW, header.getInt(SegmentDescriptor.ELEMENT_TYPE_OFFSET)),
                () -> assertEquals(byteSize, header.getLong(SegmentDescriptor.ELEMENT_COUNT_OFFSET)),
                () -> assertEquals(SegmentDescriptor.HEADER_LENGTH, header.getLong(SegmentDescriptor.DATA_OFFSET_OFFSET)),
                () -> assertEquals(byteSize, header.getLong(SegmentDescriptor.DATA_BYTES_OFFSET)),
                () -> assertEquals(PID, header.getLong(SegmentDescriptor.CREATOR_PID_OFFSET)),
                () -> assertEquals(Shm.startMillis(), header.getLong(SegmentDescriptor.CREATOR_START_OFFSET)),
                () -> assertEquals(0, header.getInt(56), "reserved"),
                () -> assertEquals(ShmFiles.checksum(header), header.getInt(SegmentDescriptor.CHECKSUM_OFFSET)));
        }
    }

    @Test
    void shouldStampCreatorPidAndStartTime() {
        long started = ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElseThrow();
        try (ShmSegment segment = NativeShm.create(10)) {
            SegmentInfo info = Shm.readHeader(segment.name());

            assertAll(
                () -> assertEquals(segment.name(), info.name()),
                () -> assertEquals(SegmentDescriptor.TYPE_RAW, info.elementType()),
                () -> assertEquals(10, info.elementCount()),
                () -> assertEquals(10, info.dataBytes()),
                () -> assertEquals(74, info.mappedBytes()),
                () -> assertEquals(PID, info.creatorPid()),
                () -> assertTrue(Math.abs(info.creatorStartMillis() - started) < 1000,
                    info.creatorStartMillis() + " vs " + started));
        }
    }

    @ParameterizedTest
    @EnumSource(BufferKind.class)
    void shouldRecordElementTypeAndCountOfBuffers(BufferKind kind) {
        Set<String> before = new HashSet<>(NativeShm.list());
        Buffer buffer = kind.allocate(77);
        try {
            Set<String> added = new HashSet<>(NativeShm.list());
            added.removeAll(before);
            added.removeIf(name -> SegmentNames.creatorPid(name) != PID);
            assertEquals(1, added.size(), added.toString());
            SegmentInfo info = Shm.readHeader(added.iterator().next());

            assertEquals(kind.elementType(), info.elementType());
            assertEquals(SegmentDescriptor.elementSize(kind.elementType()), kind.elementBytes());
            assertEquals(77, info.elementCount());
            assertEquals(77L * kind.elementBytes(), info.dataBytes());
        } finally {
            NativeShm.release(buffer);
        }
    }

    @ParameterizedTest
    @CsvSource({"0, 1, raw", "1, 1, byte", "2, 2, short", "3, 2, char", "4, 4, int", "5, 8, long", "6, 4, float",
        "7, 8, double", "8, 1, boolean"})
    void shouldKnowSizeAndNameOfEveryElementType(int type, int size, String name) {
        assertEquals(size, SegmentDescriptor.elementSize(type));
        assertEquals(name, SegmentDescriptor.typeName(type));
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 9, 15, 16, Integer.MAX_VALUE})
    void shouldRejectUnknownElementType(int type) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> SegmentDescriptor.elementSize(type));

        assertTrue(e.getMessage().contains(Integer.toString(type)), e.getMessage());
        assertEquals("type#" + type, SegmentDescriptor.typeName(type));
    }
}
