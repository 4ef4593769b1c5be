package io.jshmex.transfer;

import io.jshmex.shm.Mapping;
import java.nio.Buffer;

/**
 * Bulk copies between heap values and shared memory, in windows of at most 1 GiB, so arrays and
 * buffers larger than a single 2 GiB buffer view travel too.
 */
final class Copier {
    private static final long WINDOW_BYTES = 1L << 30;

    private Copier() {
    }

    static void arrayToShm(ValueKind kind, Object array, int length, Mapping target, long offset) {
        int perWindow = (int) (WINDOW_BYTES / kind.size);
        for (int from = 0; from < length; from += perWindow) {
            int count = Math.min(perWindow, length - from);
            kind.putArray(target.scratchView(offset + (long) from * kind.size, (long) count * kind.size), array, from, count);
        }
    }

    static Object shmToArray(ValueKind kind, int length, Mapping source, long offset) {
        Object array = kind.newArray(length);
        int perWindow = (int) (WINDOW_BYTES / kind.size);
        for (int from = 0; from < length; from += perWindow) {
            int count = Math.min(perWindow, length - from);
            kind.getArray(source.scratchView(offset + (long) from * kind.size, (long) count * kind.size), array, from, count);
        }
        return array;
    }

    static void recordsToShm(RecordLayout layout, Object[] rows, Mapping target, long offset) {
        int perWindow = (int) Math.max(1, WINDOW_BYTES / layout.rowBytes);
        for (int from = 0; from < rows.length; from += perWindow) {
            int count = Math.min(perWindow, rows.length - from);
            layout.pack(rows, from, count, target.scratchView(offset + (long) from * layout.rowBytes,
                (long) count * layout.rowBytes));
        }
    }

    static Object[] shmToRecords(RecordLayout layout, int length, Mapping source, long offset) {
        Object[] rows = layout.newArray(length);
        int perWindow = (int) Math.max(1, WINDOW_BYTES / layout.rowBytes);
        for (int from = 0; from < length; from += perWindow) {
            int count = Math.min(perWindow, length - from);
            layout.unpack(source.scratchView(offset + (long) from * layout.rowBytes, (long) count * layout.rowBytes),
                rows, from, count);
        }
        return rows;
    }

    /** Copies all of {@code buffer}'s capacity (position and limit ignored). */
    static void bufferToShm(ValueKind kind, Buffer buffer, Mapping target, long offset) {
        int capacity = buffer.capacity();
        int perWindow = (int) (WINDOW_BYTES / kind.size);
        for (int from = 0; from < capacity; from += perWindow) {
            int count = Math.min(perWindow, capacity - from);
            kind.putBuffer(target.scratchView(offset + (long) from * kind.size, (long) count * kind.size), buffer, from, count);
        }
    }
}
