package io.jshmex;

/**
 * A file in {@code /dev/shm} is not a usable segment of this library: foreign, truncated,
 * corrupted, of another user, or of an incompatible version. Nothing of it was read beyond its
 * header.
 */
public final class InvalidSegmentException extends ShmException {
    private static final long serialVersionUID = 1L;

    /**
     * @param segmentName the segment that was rejected
     * @param errno the system error number, or 0
     * @param detail why it was rejected
     */
    public InvalidSegmentException(String segmentName, int errno, String detail) {
        super(segmentName, errno, "cannot use shared-memory segment '" + segmentName + "': " + detail);
    }
}
