package io.jshmex.shm;

import io.jshmex.InvalidSegmentException;
import io.jshmex.SegmentExistsException;
import io.jshmex.SegmentNotFoundException;
import io.jshmex.ShmException;
import io.jshmex.ShmSpaceException;
import java.time.Instant;
import java.util.Locale;

/**
 * The only door to the native layer: checks once that it can load (Netty's
 * {@code isAvailable()/unavailabilityCause()}), and turns native failures into the library's
 * exceptions.
 */
public final class Shm {
    /** Where POSIX shared memory lives on Linux; used for free space and listing. */
    public static final String SHM_DIR = "/dev/shm";

    private static final long PID = ProcessHandle.current().pid();
    private static final long START_MS = ProcessHandle.current().info().startInstant()
        .map(Instant::toEpochMilli).orElse(0L);

    private Shm() {
    }

    private static final class Availability {
        static final Throwable CAUSE = probe();

        private static Throwable probe() {
            String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            if (!os.contains("linux")) {
                return new UnsupportedOperationException("jshmex supports Linux only for now; this is "
                    + System.getProperty("os.name") + " (" + System.getProperty("os.arch") + ")");
            }
            try {
                ShmNative.page_size();
                return null;
            } catch (Throwable t) {
                return new UnsupportedOperationException("the jshmex native library could not be loaded: put "
                    + "jshmex-<version>-linux-x86_64.jar and javacpp on the class path (" + t + ")", t);
            }
        }
    }

    public static boolean isAvailable() {
        return Availability.CAUSE == null;
    }

    /** Why the native layer cannot be used, or null if it can. */
    public static Throwable unavailabilityCause() {
        return Availability.CAUSE;
    }

    public static void ensureAvailable() {
        Throwable cause = Availability.CAUSE;
        if (cause != null) {
            throw new UnsupportedOperationException(cause.getMessage(), cause);
        }
    }

    public static long pid() {
        return PID;
    }

    public static long startMillis() {
        return START_MS;
    }

    /**
     * Creates, reserves (no SIGBUS later), maps and stamps a segment; returns its address and
     * puts its inode in {@code inode[0]}.
     */
    static long create(String name, long dataBytes, int type, long count, long[] inode) {
        ensureAvailable();
        try {
            return ShmNative.create_segment(name, dataBytes, type, count, PID, START_MS, inode);
        } catch (RuntimeException e) {
            throw translate(e, name, SegmentDescriptor.HEADER_LENGTH + dataBytes);
        }
    }

    /** Opens a checked segment and returns its descriptor; {@code info} as in {@code jshmex.h}. */
    static int open(String name, long[] info) {
        ensureAvailable();
        try {
            return ShmNative.open_segment(name, info);
        } catch (RuntimeException e) {
            throw translate(e, name, -1);
        }
    }

    static long mapFd(int fd, long length, String name) {
        try {
            return ShmNative.map_fd(fd, length);
        } catch (RuntimeException e) {
            throw translate(e, name, length);
        }
    }

    static void closeFd(int fd) {
        ShmNative.close_fd(fd);
    }

    /** Reads and checks a header without mapping. */
    public static SegmentInfo readHeader(String name) {
        ensureAvailable();
        long[] info = new long[SegmentInfo.FIELDS];
        try {
            ShmNative.read_header(name, info);
        } catch (RuntimeException e) {
            throw translate(e, name, -1);
        }
        return new SegmentInfo(name, info);
    }

    public static boolean unlink(String name) {
        ensureAvailable();
        try {
            return ShmNative.unlink_segment(name);
        } catch (RuntimeException e) {
            throw translate(e, name, -1);
        }
    }

    static void unmap(long address, long length) {
        ShmNative.unmap(address, length);
    }

    static void retire(long address, long length) {
        ShmNative.retire(address, length);
    }

    public static void prefault(long address, long length) {
        ShmNative.prefault(address, length);
    }

    public static void fillZero(long address, long length) {
        ShmNative.fill_zero(address, length);
    }

    public static void copy(long to, long from, long length) {
        ShmNative.copy_memory(to, from, length);
    }

    /** Free bytes in {@code /dev/shm}, or -1 if that cannot be read. */
    public static long freeBytes() {
        long[] space = space();
        return space == null ? -1 : space[0];
    }

    /** Total bytes of {@code /dev/shm}, or -1 if that cannot be read. */
    public static long totalBytes() {
        long[] space = space();
        return space == null ? -1 : space[1];
    }

    /** Whether {@code bytes} exceed all of {@code /dev/shm}: then nothing given back can make room. */
    public static boolean exceedsAll(long bytes) {
        long total = totalBytes();
        return total > 0 && bytes > total;
    }

    private static long[] space() {
        if (!isAvailable()) {
            return null;
        }
        long[] out = new long[2];
        try {
            ShmNative.space(SHM_DIR, out);
            return out;
        } catch (RuntimeException e) {
            return null;
        }
    }

    public static long pageSize() {
        ensureAvailable();
        return ShmNative.page_size();
    }

    /** Maps a native "[errno=N] text" failure to the precise exception. */
    static ShmException translate(RuntimeException e, String name, long requestedBytes) {
        String message = String.valueOf(e.getMessage());
        int errno = 0;
        String detail = message;
        if (message.startsWith("[errno=")) {
            int end = message.indexOf(']');
            try {
                errno = Integer.parseInt(message.substring(7, end));
            } catch (RuntimeException ignored) {
                errno = 0;
            }
            detail = message.substring(end + 1).trim();
        }
        ShmException translated;
        switch (errno) {
            case 28: // ENOSPC
            case 12: // ENOMEM
            case 27: // EFBIG
                translated = new ShmSpaceException(name, requestedBytes, freeBytes(), detail);
                break;
            case 17: // EEXIST
                translated = new SegmentExistsException(name, detail);
                break;
            case 2: // ENOENT
                translated = new SegmentNotFoundException(name, detail);
                break;
            case 22: // EINVAL: a header, name or size that the native layer refused
            case 13: // EACCES: another user's segment, or a mode we may not open
                translated = new InvalidSegmentException(name, errno, detail);
                break;
            case 24: // EMFILE
            case 23: // ENFILE
                translated = new ShmException(name, errno, "shared-memory operation on '" + name + "' failed: " + detail
                    + ". Each segment open here, and each transfer block of the other process's, holds a file "
                    + "descriptor: send fewer, larger buffers (the arrays of one message share a block), close "
                    + "segments when done, or raise the limit (ulimit -n)");
                break;
            default:
                translated = new ShmException(name, errno, "shared-memory operation on '" + name + "' failed: " + detail);
        }
        translated.initCause(e);
        return translated;
    }
}
