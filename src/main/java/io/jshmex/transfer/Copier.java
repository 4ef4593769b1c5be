package io.jshmex.transfer;

import io.jshmex.shm.Mapping;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;

/**
 * Bulk copies between heap values and shared memory, chunk by chunk. Chunks keep every buffer
 * view small (values over 2 GiB travel too) and let the two sides overlap: the sender publishes
 * each chunk it has copied in ({@link Progress}), and the receiver, which has already allocated
 * its array meanwhile, copies each chunk out as soon as it is there.
 */
final class Copier {
    private static final int CHUNK_BYTES = 8 << 20;

    private Copier() {
    }

    /** Copies one chunk: elements {@code [from, from + count)} to or from {@code window}. */
    @FunctionalInterface
    private interface ChunkCopy {
        void copy(int from, int count, ByteBuffer window);
    }

    private static void chunked(long elements, int elementBytes, Mapping mapping, long offset, Progress published,
                                Progress awaited, ChunkCopy copy) throws IOException {
        int perChunk = Math.max(1, CHUNK_BYTES / elementBytes);
        for (long from = 0; from < elements; from += perChunk) {
            int count = (int) Math.min(perChunk, elements - from);
            long end = (from + count) * elementBytes;
            if (awaited != null) {
                awaited.await(end);
            }
            copy.copy((int) from, count, mapping.scratchView(offset + from * elementBytes, (long) count * elementBytes));
            if (published != null) {
                published.publish(end);
            }
        }
    }

    static void arrayToShm(ValueKind kind, Object array, int length, Mapping target, long offset, Progress published)
        throws IOException {
        chunked(length, kind.size, target, offset, published, null,
            (from, count, window) -> kind.putArray(window, array, from, count));
    }

    static Object shmToArray(ValueKind kind, int length, Mapping source, long offset, Progress awaited)
        throws IOException {
        Object array = kind.newArray(length);
        chunked(length, kind.size, source, offset, null, awaited,
            (from, count, window) -> kind.getArray(window, array, from, count));
        return array;
    }

    /** Copies all of {@code buffer}'s capacity (position and limit ignored). */
    static void bufferToShm(ValueKind kind, Buffer buffer, Mapping target, long offset, Progress published)
        throws IOException {
        chunked(buffer.capacity(), kind.size, target, offset, published, null,
            (from, count, window) -> kind.putBuffer(window, buffer, from, count));
    }

    static void recordsToShm(RecordLayout layout, Object[] rows, Mapping target, long offset, Progress published)
        throws IOException {
        chunked(rows.length, layout.rowBytes, target, offset, published, null,
            (from, count, window) -> layout.pack(rows, from, count, window));
    }

    static Object[] shmToRecords(RecordLayout layout, int length, Mapping source, long offset, Progress awaited)
        throws IOException {
        Object[] rows = layout.newArray(length);
        chunked(length, layout.rowBytes, source, offset, null, awaited,
            (from, count, window) -> layout.unpack(window, rows, from, count));
        return rows;
    }
}
