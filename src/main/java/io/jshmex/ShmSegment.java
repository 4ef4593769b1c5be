package io.jshmex;

import io.jshmex.shm.Mapping;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;

/**
 * A named POSIX shared-memory segment mapped into this process: {@link #byteSize()} bytes that
 * other processes can map by {@link #name()} ({@link NativeShm#attach}). Made by
 * {@link NativeShm#create} or {@link NativeShm#attach}.
 *
 * <h2>Life cycle</h2>
 * <ul>
 *   <li>Views ({@link #asByteBuffer()} and the typed forms) are direct buffers over the mapping,
 *       in native byte order. Each keeps the mapping alive: the range is unmapped only when this
 *       segment and every view are unreachable (a {@link Cleaner} runs then), so a view can never
 *       point at unmapped memory.</li>
 *   <li>{@link #close()} lets the shared memory go at once: if this process created the segment
 *       its name is unlinked, and the mapping is replaced by private zero pages. Views made
 *       earlier stay safe to use but are detached: they read zeros and their writes reach no
 *       other process. New views cannot be made after {@code close()}.</li>
 *   <li>A segment that this process created and never closed is unlinked when it and its views
 *       become unreachable; one obtained by {@code attach} leaves the name alone.</li>
 * </ul>
 * Buffer views hold at most 2 GiB - 1 bytes: a larger segment is read through windows
 * ({@link #asByteBuffer(long, int)}), never silently truncated.
 *
 * <p>Thread-safe.
 */
public final class ShmSegment implements AutoCloseable {
    private final Mapping mapping;
    private final Cleaner.Cleanable cleanable;

    ShmSegment(Mapping mapping) {
        this.mapping = mapping;
        this.cleanable = Mapping.whenUnreachable(this, mapping::release);
    }

    /** The segment's name, as {@link NativeShm#attach} takes it (no leading slash). */
    public String name() {
        return mapping.name();
    }

    /** Usable bytes (the header that every segment starts with is not counted). */
    public long byteSize() {
        return mapping.dataBytes();
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return !mapping.isOpen();
    }

    /**
     * The whole segment as a native-order direct buffer.
     *
     * @throws IllegalArgumentException if the segment is larger than 2 GiB - 1 bytes (use
     *     {@link #asByteBuffer(long, int)})
     * @throws IllegalStateException if the segment is closed
     */
    public ByteBuffer asByteBuffer() {
        return mapping.view(0, mapping.dataBytes());
    }

    /**
     * A window of {@code length} bytes starting at {@code offset}: the way to reach every byte of a
     * segment larger than 2 GiB.
     *
     * @throws IndexOutOfBoundsException if the window is not inside the segment
     * @throws IllegalStateException if the segment is closed
     */
    public ByteBuffer asByteBuffer(long offset, int length) {
        return mapping.view(offset, length);
    }

    /** The whole segment as doubles; trailing bytes that make no whole double are left out. */
    public DoubleBuffer asDoubleBuffer() {
        return asByteBuffer().asDoubleBuffer();
    }

    /** The whole segment as longs; trailing bytes that make no whole long are left out. */
    public LongBuffer asLongBuffer() {
        return asByteBuffer().asLongBuffer();
    }

    /** The whole segment as ints; trailing bytes that make no whole int are left out. */
    public IntBuffer asIntBuffer() {
        return asByteBuffer().asIntBuffer();
    }

    /** The whole segment as floats; trailing bytes that make no whole float are left out. */
    public FloatBuffer asFloatBuffer() {
        return asByteBuffer().asFloatBuffer();
    }

    /**
     * Removes the name now, so no other process can attach any more; this process's mapping and
     * views stay valid. Does nothing if the name is already gone.
     *
     * @throws ShmException if the system refuses
     */
    public void unlink() {
        if (mapping.isOwner()) {
            mapping.unlinkName();
        } else {
            NativeShm.unlink(name());
        }
    }

    /**
     * Releases this process's hold on the memory now (see the class comment: the name is unlinked
     * if this process created the segment, and views left over read zeros). Idempotent.
     */
    @Override
    public void close() {
        mapping.close();
        cleanable.clean();
    }

    Mapping mapping() {
        return mapping;
    }

    @Override
    public String toString() {
        return "ShmSegment[" + name() + ", " + byteSize() + " bytes" + (isClosed() ? ", closed]" : "]");
    }
}
