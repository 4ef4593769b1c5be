package io.jshmex;

import io.jshmex.shm.Sizes;

/**
 * {@code /dev/shm} has no room for a segment. Thrown when the segment is created (its memory is
 * reserved with {@code posix_fallocate}), never later as a SIGBUS. Nothing of the failed segment
 * is left behind.
 */
public final class ShmSpaceException extends ShmException {
    private static final long serialVersionUID = 1L;

    private final long requestedBytes;
    private final long freeBytes;

    /**
     * @param segmentName the segment that could not be created
     * @param requestedBytes bytes asked for, header included
     * @param freeBytes bytes free in {@code /dev/shm} when it failed, or -1 if unknown
     * @param detail the system's answer
     */
    public ShmSpaceException(String segmentName, long requestedBytes, long freeBytes, String detail) {
        super(segmentName, 28, "not enough shared memory for segment " + segmentName + ": asked for "
            + Sizes.format(requestedBytes) + ", " + (freeBytes < 0 ? "unknown" : Sizes.format(freeBytes))
            + " free in /dev/shm (" + detail + "). Free some (NativeShm.clear() removes this library's "
            + "leftovers), send less at a time, or give /dev/shm more room: in Docker run with "
            + "--shm-size=2g (the default is 64 MB), elsewhere remount it: mount -o remount,size=8G /dev/shm.");
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
    }

    /** Bytes that were asked for, the segment header included. */
    public long requestedBytes() {
        return requestedBytes;
    }

    /** Bytes free in {@code /dev/shm} at the time, or -1 if that could not be read. */
    public long freeBytes() {
        return freeBytes;
    }
}
