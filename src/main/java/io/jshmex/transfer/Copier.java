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
    /**
     * Values from this size on are copied with stores that bypass the cache wherever native code
     * copies them (direct buffers; heap arrays with {@code -Djshmex.pinnedCopies=true}): they do
     * not fit in it anyway (jshmex.h, copy_disjoint).
     */
    static final long STREAM_AT_LEAST = 4 << 20;

    private Copier() {
    }

    /** Copies one chunk: elements {@code [from, from + count)}, at {@code offset} in the mapping. */
    @FunctionalInterface
    private interface ChunkCopy {
        void copy(int from, int count, long offset);
    }

    private static void chunked(long elements, int elementBytes, long offset, Progress published, Progress awaited,
                                ChunkCopy copy) throws IOException {
        int perChunk = Math.max(1, CHUNK_BYTES / elementBytes);
        for (long from = 0; from < elements; from += perChunk) {
            int count = (int) Math.min(perChunk, elements - from);
            long end = (from + count) * elementBytes;
            if (awaited != null) {
                awaited.await(end);
            }
            copy.copy((int) from, count, offset + from * elementBytes);
            if (published != null) {
                published.publish(end);
            }
        }
    }

    private static boolean streams(long elements, int elementBytes) {
        return elements * elementBytes >= STREAM_AT_LEAST;
    }

    static void arrayToShm(ValueKind kind, Object array, int length, Mapping target, long offset, Progress published)
        throws IOException {
        boolean stream = streams(length, kind.size);
        chunked(length, kind.size, offset, published, null,
            (from, count, at) -> kind.putArray(target, at, array, from, count, stream));
    }

    static Object shmToArray(ValueKind kind, int length, Mapping source, long offset, Progress awaited)
        throws IOException {
        Object array = kind.newArray(length);
        boolean stream = streams(length, kind.size);
        chunked(length, kind.size, offset, null, awaited,
            (from, count, at) -> kind.getArray(source, at, array, from, count, stream));
        return array;
    }

    /** Copies all of {@code buffer}'s capacity (position and limit ignored). */
    static void bufferToShm(ValueKind kind, Buffer buffer, Mapping target, long offset, Progress published)
        throws IOException {
        boolean stream = streams(buffer.capacity(), kind.size);
        chunked(buffer.capacity(), kind.size, offset, published, null,
            (from, count, at) -> kind.putBuffer(target, at, buffer, from, count, stream));
    }

    static void recordsToShm(RecordLayout layout, Object[] rows, Mapping target, long offset, Progress published)
        throws IOException {
        chunked(rows.length, layout.rowBytes, offset, published, null,
            (from, count, at) -> layout.pack(rows, from, count, target.scratchView(at, (long) count * layout.rowBytes)));
    }

    static Object[] shmToRecords(RecordLayout layout, int length, Mapping source, long offset, Progress awaited)
        throws IOException {
        Object[] rows = layout.newArray(length);
        chunked(length, layout.rowBytes, offset, null, awaited,
            (from, count, at) -> layout.unpack(source.scratchView(at, (long) count * layout.rowBytes), rows, from, count));
        return rows;
    }
}
