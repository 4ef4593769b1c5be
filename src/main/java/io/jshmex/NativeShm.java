package io.jshmex;

import io.jshmex.shm.Mapping;
import io.jshmex.shm.Segments;
import io.jshmex.shm.SegmentDescriptor;
import io.jshmex.shm.SegmentNames;
import io.jshmex.shm.Shm;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.List;

/**
 * POSIX shared memory ({@code shm_open}, {@code posix_fallocate}, {@code mmap},
 * {@code shm_unlink}), usable on its own or with {@link ProcessPoolExecutor}.
 *
 * <p>Segments this library makes are named {@code jshmex_<pid>_<random>}; every segment starts
 * with a 64-byte header (magic, version, element type and count, creator pid and start time) that
 * {@link #attach} checks, so a foreign, truncated or corrupted file is rejected, never read out of
 * bounds. Segments are created with mode 0600 and fully reserved when created: a full
 * {@code /dev/shm} is a {@link ShmSpaceException} then, never a SIGBUS later.
 *
 * <p><b>Cost.</b> A new segment's pages are faulted in one 4 KiB page at a time: 160 MB takes
 * 110-150 ms on tmpfs, against 10-19 ms to copy the same bytes into memory already touched. Make
 * buffers once and reuse them; the executor reuses its own transfer memory.
 *
 * <p><b>Mappings.</b> Linux lets a process hold {@code vm.max_map_count} mappings (65,530 by
 * default) and a JVM that reaches the limit dies in its next allocation. Every segment mapped
 * here is one mapping until it is closed, released or collected; jshmex makes at most half the
 * limit per process ({@code -Djshmex.maxMappings} to choose) and answers the next with a
 * {@link ShmMappingLimitException}, after a GC has had the chance to unmap what nobody holds.
 *
 * <p>All methods throw {@link UnsupportedOperationException} when the native layer cannot be
 * used ({@link #unavailabilityCause()} says why).
 */
public final class NativeShm {
    private NativeShm() {
    }

    /**
     * Creates a segment of {@code byteSize} bytes under a fresh unique name.
     *
     * @throws IllegalArgumentException if {@code byteSize} is negative
     * @throws ShmSpaceException if {@code /dev/shm} has no room (the message says how much was
     *     asked and how much is free)
     * @throws ShmMappingLimitException if this process holds the most mappings jshmex makes (see above)
     * @throws ShmException if the system refuses otherwise
     */
    public static ShmSegment create(long byteSize) {
        checkSize(byteSize);
        return new ShmSegment(Segments.createForUser(byteSize,
            () -> Segments.createUnique(byteSize, SegmentDescriptor.TYPE_RAW, byteSize)));
    }

    /**
     * Creates a segment under the given name, which must not exist yet ({@code O_EXCL}). The
     * name is not prefixed: {@link #list()} and {@link #clear()} cover only generated names, so
     * unlink a named segment yourself (its creator's {@link ShmSegment#close()} does).
     *
     * @throws IllegalArgumentException if the name is empty, contains '/', or is too long
     * @throws SegmentExistsException if a segment of that name exists
     * @throws ShmSpaceException if {@code /dev/shm} has no room
     * @throws ShmMappingLimitException if this process holds the most mappings jshmex makes
     */
    public static ShmSegment create(String name, long byteSize) {
        checkSize(byteSize);
        SegmentNames.validate(name);
        return new ShmSegment(Segments.createForUser(byteSize,
            () -> Mapping.create(name, byteSize, SegmentDescriptor.TYPE_RAW, byteSize)));
    }

    /**
     * Maps an existing segment. The name stays: unlink it when every process that needs it has
     * attached.
     *
     * @throws SegmentNotFoundException if there is no such segment
     * @throws InvalidSegmentException if it is not a valid segment of this library owned by this
     *     user (foreign, truncated, corrupted, another version)
     * @throws ShmMappingLimitException if this process holds the most mappings jshmex makes
     */
    public static ShmSegment attach(String name) {
        return new ShmSegment(Mapping.attach(SegmentNames.validate(name)));
    }

    /**
     * Removes a segment's name; processes that have it mapped keep their memory until they unmap.
     *
     * @return false if there was no segment of that name
     * @throws ShmException if the system refuses
     */
    public static boolean unlink(String name) {
        return Shm.unlink(SegmentNames.validate(name));
    }

    /** Names of this library's segments in {@code /dev/shm}, of every process, sorted. */
    public static List<String> list() {
        return Segments.list();
    }

    /**
     * Unlinks every segment of this library on this machine, whatever process made it (like
     * npshmex's {@code shm_clear}). Segments in use stay mapped where they are, but no new process
     * can attach them: call it when no pool is running.
     *
     * @return how many names were removed
     */
    public static int clear() {
        return Segments.clear(false);
    }

    /**
     * Unlinks only the segments whose creating process is gone (a reused pid is told apart by the
     * start time in the header). Safe while pools are running; every new pool does it.
     *
     * @return how many names were removed
     */
    public static int clearOrphans() {
        return Segments.clear(true);
    }

    /**
     * A zeroed direct buffer of {@code n} doubles in a new shared-memory segment. Passed to a
     * {@link ProcessPoolExecutor} task, it travels by name with no copy: the task sees and writes
     * the same memory. The segment is unlinked and unmapped when the buffer (and every buffer
     * derived from it) is unreachable, or at once by {@link #release(Buffer)}.
     *
     * @throws IllegalArgumentException if {@code n} is negative or the buffer would pass 2 GiB - 1
     *     bytes
     * @throws ShmSpaceException if {@code /dev/shm} has no room
     * @throws ShmMappingLimitException if this process holds the most mappings jshmex makes
     */
    public static DoubleBuffer doubles(int n) {
        return Segments.allocate(n, SegmentDescriptor.TYPE_DOUBLE).asDoubleBuffer();
    }

    /** Like {@link #doubles(int)}, for longs. */
    public static LongBuffer longs(int n) {
        return Segments.allocate(n, SegmentDescriptor.TYPE_LONG).asLongBuffer();
    }

    /** Like {@link #doubles(int)}, for ints. */
    public static IntBuffer ints(int n) {
        return Segments.allocate(n, SegmentDescriptor.TYPE_INT).asIntBuffer();
    }

    /** Like {@link #doubles(int)}, for floats. */
    public static FloatBuffer floats(int n) {
        return Segments.allocate(n, SegmentDescriptor.TYPE_FLOAT).asFloatBuffer();
    }

    /** Like {@link #doubles(int)}, for bytes (native byte order). */
    public static ByteBuffer bytes(int n) {
        return Segments.allocate(n, SegmentDescriptor.TYPE_BYTE);
    }

    /**
     * Lets go at once of the shared memory behind a buffer made by this class (or received from a
     * task), instead of waiting for the garbage collector. Afterwards this buffer and every buffer
     * sharing its memory read zeros and their writes reach no one; they never crash the JVM.
     *
     * @return false if the buffer is not backed by shared memory of this library (nothing done)
     */
    public static boolean release(Buffer buffer) {
        return Segments.release(buffer);
    }

    /** Whether the native layer loaded and this platform is supported. */
    public static boolean isAvailable() {
        return Shm.isAvailable();
    }

    /** Why the native layer cannot be used, or null if it can. */
    public static Throwable unavailabilityCause() {
        return Shm.unavailabilityCause();
    }

    /** Far beyond any machine's memory; the native layer refuses more. */
    private static final long MAX_SEGMENT_BYTES = 1L << 46;

    private static void checkSize(long byteSize) {
        if (byteSize < 0 || byteSize > MAX_SEGMENT_BYTES) {
            throw new IllegalArgumentException("segment size must be between 0 and 2^46 bytes: " + byteSize);
        }
    }
}
