package io.jshmex;

/**
 * A shared-memory operation failed. The message says what was asked, what the system answered
 * and, where there is one, what to do. Subclasses name the causes callers may want to handle:
 * {@link ShmSpaceException}, {@link ShmMappingLimitException}, {@link SegmentNotFoundException},
 * {@link SegmentExistsException}, {@link InvalidSegmentException}.
 */
public class ShmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String segmentName;
    private final int errno;

    /**
     * @param segmentName the segment concerned, or null
     * @param errno the system error number, or 0 if none
     * @param message what failed and what to do
     */
    public ShmException(String segmentName, int errno, String message) {
        super(message);
        this.segmentName = segmentName;
        this.errno = errno;
    }

    /** The segment concerned, or null if the failure was not about one segment. */
    public String segmentName() {
        return segmentName;
    }

    /** The system's error number ({@code errno}), or 0 if the failure did not come from a system call. */
    public int errno() {
        return errno;
    }
}
