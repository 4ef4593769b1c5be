package io.jshmex.shm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The binary layout of a segment's 64-byte header, in one place. It mirrors
 * {@code struct SegmentHeader} in {@code jshmex.h}; {@link #verifyAgainstNative()} proves the two
 * agree. All fields are in native byte order.
 *
 * <pre>
 *   0  magic           u64   0x31584D4853484A00 (bytes "\0JHSHMX1" in memory)
 *   8  version         u32
 *  12  elementType     u32   TYPE_*
 *  16  elementCount    u64
 *  24  dataOffset      u64   = HEADER_LENGTH
 *  32  dataBytes       u64
 *  40  creatorPid      i64
 *  48  creatorStartMs  i64   creator's start time, tells a reused pid apart
 *  56  reserved        u32   zero
 *  60  checksum        u32   FNV-1a of bytes 0..59
 *  64  data ...
 * </pre>
 */
public final class SegmentDescriptor {
    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int ELEMENT_TYPE_OFFSET = 12;
    public static final int ELEMENT_COUNT_OFFSET = 16;
    public static final int DATA_OFFSET_OFFSET = 24;
    public static final int DATA_BYTES_OFFSET = 32;
    public static final int CREATOR_PID_OFFSET = 40;
    public static final int CREATOR_START_OFFSET = 48;
    public static final int CHECKSUM_OFFSET = 60;
    public static final int HEADER_LENGTH = 64;

    public static final long MAGIC = 0x31584D4853484A00L;
    public static final int VERSION = 1;

    /** Element types: what a segment's data holds. */
    public static final int TYPE_RAW = 0;
    public static final int TYPE_BYTE = 1;
    public static final int TYPE_SHORT = 2;
    public static final int TYPE_CHAR = 3;
    public static final int TYPE_INT = 4;
    public static final int TYPE_LONG = 5;
    public static final int TYPE_FLOAT = 6;
    public static final int TYPE_DOUBLE = 7;
    public static final int TYPE_BOOLEAN = 8;

    private static final int[] ELEMENT_SIZES = {1, 1, 2, 2, 4, 8, 4, 8, 1};
    private static final String[] TYPE_NAMES = {"raw", "byte", "short", "char", "int", "long", "float", "double",
        "boolean"};

    private SegmentDescriptor() {
    }

    public static int elementSize(int type) {
        return ELEMENT_SIZES[checkType(type)];
    }

    public static String typeName(int type) {
        return type >= 0 && type < TYPE_NAMES.length ? TYPE_NAMES[type] : "type#" + type;
    }

    static int checkType(int type) {
        if (type < 0 || type >= ELEMENT_SIZES.length) {
            throw new IllegalArgumentException("unknown element type " + type);
        }
        return type;
    }

    /** Reads the magic of a header held in {@code header} (native order) at its position 0. */
    static long magic(ByteBuffer header) {
        return header.duplicate().order(ByteOrder.nativeOrder()).getLong(MAGIC_OFFSET);
    }

    /**
     * Fails if the offsets above differ from the native struct's: a change on one side only would
     * make every segment unreadable.
     */
    public static void verifyAgainstNative() {
        int[] javaOffsets = {MAGIC_OFFSET, VERSION_OFFSET, ELEMENT_TYPE_OFFSET, ELEMENT_COUNT_OFFSET,
            DATA_OFFSET_OFFSET, DATA_BYTES_OFFSET, CREATOR_PID_OFFSET, CREATOR_START_OFFSET, CHECKSUM_OFFSET,
            HEADER_LENGTH};
        Shm.ensureAvailable();
        for (int field = 0; field < javaOffsets.length; field++) {
            long nativeOffset = ShmNative.header_field_offset(field);
            if (nativeOffset != javaOffsets[field]) {
                throw new IllegalStateException("header field " + field + " is at " + nativeOffset
                    + " in jshmex.h but at " + javaOffsets[field] + " in SegmentDescriptor");
            }
        }
    }
}
