package io.jshmex;

/** A segment of that name exists already; {@code create} never reuses or overwrites one. */
public final class SegmentExistsException extends ShmException {
    private static final long serialVersionUID = 1L;

    /**
     * @param segmentName the name asked for
     * @param detail the system's answer
     */
    public SegmentExistsException(String segmentName, String detail) {
        super(segmentName, 17, "a shared-memory segment named '" + segmentName + "' exists already (" + detail
            + "): attach to it with NativeShm.attach, pick another name, or unlink it first");
    }
}
