package io.jshmex;

/** No segment of that name exists (it was never created, or it has been unlinked). */
public final class SegmentNotFoundException extends ShmException {
    private static final long serialVersionUID = 1L;

    /**
     * @param segmentName the name looked for
     * @param detail the system's answer
     */
    public SegmentNotFoundException(String segmentName, String detail) {
        super(segmentName, 2, "no shared-memory segment named '" + segmentName + "' (" + detail
            + "); it was never created or has already been unlinked");
    }
}
