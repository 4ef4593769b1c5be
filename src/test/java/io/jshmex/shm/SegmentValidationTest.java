package io.jshmex.shm;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jshmex.InvalidSegmentException;
import io.jshmex.NativeShm;
import io.jshmex.ShmException;
import io.jshmex.ShmSegment;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.ShmFiles;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Files in /dev/shm that carry our prefix but are not segments we can use. Each is written with
 * plain java.nio, from scratch or from the bytes of a real segment, and must be refused with an
 * exception, never mapped or read past its end.
 */
class SegmentValidationTest extends LeakCheckedTest {
    private static final int DATA_BYTES = 1000;

    private final ShmFiles files = new ShmFiles();

    @AfterEach
    void removePlantedFiles() {
        files.close();
    }

    static Stream<Arguments> damagedSegments() {
        return Stream.of(
            damaged("empty file", valid -> new byte[0], "smaller than its header"),
            damaged("10 bytes", valid -> Arrays.copyOf(valid, 10), "smaller than its header"),
            damaged("63 bytes", valid -> Arrays.copyOf(valid, 63), "smaller than its header"),
            damaged("64 zero bytes", valid -> new byte[64], "bad magic"),
            damaged("a text file", valid -> "#!/bin/sh\n".repeat(20).getBytes(StandardCharsets.US_ASCII), "bad magic"),
            damaged("wrong magic", valid -> resealed(valid, h -> h.putLong(0, 0x31584D4853484A01L)), "bad magic"),
            damaged("version 2", valid -> resealed(valid, h -> h.putInt(8, 2)), "version 2"),
            damaged("version 0, stale checksum", valid -> patched(valid, h -> h.putInt(8, 0)), "version 0"),
            damaged("flipped element type byte", valid -> flipped(valid, 12), "checksum"),
            damaged("flipped element count byte", valid -> flipped(valid, 16), "checksum"),
            damaged("flipped data offset byte", valid -> flipped(valid, 24), "checksum"),
            damaged("flipped data length byte", valid -> flipped(valid, 33), "checksum"),
            damaged("flipped pid byte", valid -> flipped(valid, 40), "checksum"),
            damaged("flipped start time byte", valid -> flipped(valid, 48), "checksum"),
            damaged("flipped reserved byte", valid -> flipped(valid, 56), "checksum"),
            damaged("reserved field set", valid -> resealed(valid, h -> h.putInt(56, 1)), "reserved"),
            damaged("flipped checksum byte", valid -> flipped(valid, 63), "checksum"),
            damaged("data cut short", valid -> Arrays.copyOf(valid, 64 + DATA_BYTES / 2), "truncated"),
            damaged("data entirely missing", valid -> Arrays.copyOf(valid, 64), "truncated"),
            damaged("data length past any file", valid -> resealed(valid, h -> h.putLong(32, Long.MAX_VALUE)),
                "truncated"),
            damaged("data offset 128", valid -> resealed(valid, h -> h.putLong(24, 128)), "data offset"),
            damaged("element count beyond data", valid -> resealed(valid, h -> h.putInt(12, SegmentDescriptor.TYPE_DOUBLE)
                .putLong(16, DATA_BYTES / 8 + 1)), "element count"),
            damaged("element type 16", valid -> resealed(valid, h -> h.putInt(12, 16)), "unknown element type"));
    }

    private static Arguments damaged(String description, UnaryOperator<byte[]> damage, String reason) {
        return Arguments.of(description, damage, reason);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damagedSegments")
    void shouldRefuseDamagedOrForeignFile(String description, UnaryOperator<byte[]> damage, String reason) {
        String name = ShmFiles.foreignName("damaged");
        files.plant(name, damage.apply(validSegmentBytes()));
        long mappedBefore = MappedMemory.mappedBytes();

        InvalidSegmentException attach = assertThrows(InvalidSegmentException.class, () -> NativeShm.attach(name));
        InvalidSegmentException read = assertThrows(InvalidSegmentException.class, () -> Shm.readHeader(name));

        assertAll(
            () -> assertTrue(attach.getMessage().contains(reason), attach.getMessage()),
            () -> assertTrue(attach.getMessage().contains(name), attach.getMessage()),
            () -> assertEquals(name, attach.segmentName()),
            () -> assertTrue(read.getMessage().contains(reason), read.getMessage()),
            () -> assertEquals(mappedBefore, MappedMemory.mappedBytes()),
            () -> assertFalse(ShmFiles.mappedHere(name)));
    }

    @Test
    void shouldAttachWellFormedSegmentWrittenByHand() {
        String name = ShmFiles.foreignName("handmade");
        ByteBuffer header = ShmFiles.header(SegmentDescriptor.TYPE_INT, DATA_BYTES / 4, DATA_BYTES, 12345, 678);
        byte[] content = ShmFiles.segmentBytes(header, DATA_BYTES);
        files.plant(name, content);

        try (ShmSegment segment = NativeShm.attach(name)) {
            assertEquals(DATA_BYTES, segment.byteSize());
            byte[] data = new byte[DATA_BYTES];
            segment.asByteBuffer(0, DATA_BYTES).get(0, data);
            assertArrayEquals(Arrays.copyOfRange(content, 64, content.length), data);
        }
        SegmentInfo info = Shm.readHeader(name);
        assertAll(
            () -> assertEquals(SegmentDescriptor.TYPE_INT, info.elementType()),
            () -> assertEquals(DATA_BYTES / 4, info.elementCount()),
            () -> assertEquals(12345, info.creatorPid()),
            () -> assertEquals(678, info.creatorStartMillis()));
        assertTrue(ShmFiles.exists(name), "attaching must not unlink");
    }

    @Test
    void shouldAttachOnlyTheDataTheHeaderDeclaresWhenFileIsLonger() {
        String name = ShmFiles.foreignName("longer");
        ByteBuffer header = ShmFiles.header(SegmentDescriptor.TYPE_RAW, 10, 10, 1, 0);
        files.plant(name, ShmFiles.segmentBytes(header, 5000));

        try (ShmSegment segment = NativeShm.attach(name)) {
            assertEquals(10, segment.byteSize());
        }
    }

    @Test
    void shouldRefuseSparseFile() throws Exception {
        // a file sized by ftruncate has no pages yet: touching them later on a full /dev/shm is a SIGBUS
        String name = ShmFiles.foreignName("sparse");
        long dataBytes = 1 << 20;
        Path path = files.plant(name, ShmFiles.segmentBytes(
            ShmFiles.header(SegmentDescriptor.TYPE_RAW, dataBytes, dataBytes, 1, 0), 0));
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.setLength(64 + dataBytes);
        }

        InvalidSegmentException attach = assertThrows(InvalidSegmentException.class, () -> NativeShm.attach(name));
        InvalidSegmentException read = assertThrows(InvalidSegmentException.class, () -> Shm.readHeader(name));

        assertTrue(attach.getMessage().contains("not fully allocated"), attach.getMessage());
        assertTrue(read.getMessage().contains("not fully allocated"), read.getMessage());
    }

    @Test
    void shouldRefuseSymlinkToValidSegment() throws Exception {
        try (ShmSegment target = NativeShm.create(64)) {
            target.asByteBuffer().put(0, (byte) 5);
            String name = ShmFiles.foreignName("link");
            Files.createSymbolicLink(files.track(ShmFiles.path(name)), ShmFiles.path(target.name()));

            ShmException e = assertThrows(ShmException.class, () -> NativeShm.attach(name));

            assertEquals(name, e.segmentName());
            assertEquals(5, target.asByteBuffer().get(0));
        }
    }

    @Test
    void shouldRefuseSegmentOfAnotherUser() throws Exception {
        assumeTrue(ShmFiles.runningAsRoot(), "only root can give a file to another user");
        try (ShmSegment real = NativeShm.create(DATA_BYTES)) {
            String name = ShmFiles.foreignName("nobody");
            Path copy = files.plant(name, ShmFiles.read(real.name()));
            Files.setAttribute(copy, "unix:uid", 65534);

            InvalidSegmentException e = assertThrows(InvalidSegmentException.class, () -> NativeShm.attach(name));

            assertTrue(e.getMessage().contains("uid 65534"), e.getMessage());
            assertEquals(13, e.errno());
        }
    }

    @Test
    void shouldRefuseFifo() throws Exception {
        String name = ShmFiles.foreignName("fifo");
        Path fifo = files.track(ShmFiles.path(name));
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());

        InvalidSegmentException e = assertThrows(InvalidSegmentException.class, () -> NativeShm.attach(name));

        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }

    @Test
    void shouldRefuseDirectory() throws Exception {
        String name = ShmFiles.foreignName("dir");
        Files.createDirectory(files.track(ShmFiles.path(name)));

        ShmException e = assertThrows(ShmException.class, () -> NativeShm.attach(name));

        assertEquals(name, e.segmentName());
    }

    /** The bytes of a real segment of this library, header and data, copied from /dev/shm. */
    private static byte[] validSegmentBytes() {
        try (ShmSegment segment = NativeShm.create(DATA_BYTES)) {
            ByteBuffer data = segment.asByteBuffer(0, DATA_BYTES);
            for (int i = 0; i < DATA_BYTES; i++) {
                data.put(i, (byte) i);
            }
            return ShmFiles.read(segment.name());
        }
    }

    private static byte[] patched(byte[] segment, Consumer<ByteBuffer> change) {
        byte[] copy = segment.clone();
        change.accept(ByteBuffer.wrap(copy).order(ByteOrder.nativeOrder()));
        return copy;
    }

    private static byte[] resealed(byte[] segment, Consumer<ByteBuffer> change) {
        return patched(segment, header -> {
            change.accept(header);
            ShmFiles.sealed(header);
        });
    }

    private static byte[] flipped(byte[] segment, int offset) {
        byte[] copy = segment.clone();
        copy[offset] ^= 0x10;
        return copy;
    }
}
