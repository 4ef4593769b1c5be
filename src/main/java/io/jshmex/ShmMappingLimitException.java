package io.jshmex;

/**
 * This process holds as many shared-memory mappings as jshmex makes: half of the kernel's
 * {@code vm.max_map_count} (65,530 by default), or {@code -Djshmex.maxMappings}. Past the kernel's
 * limit a JVM dies in its next allocation, so jshmex refuses the mapping first, after a GC has
 * had the chance to unmap what nobody holds. Nothing of the refused mapping is left behind.
 *
 * <p>Every segment, and every buffer a message carries as a view, takes a mapping until it is
 * closed, released or collected; the arrays of one message share one. Send fewer, larger
 * buffers, and close segments or {@link NativeShm#release} buffers when done.
 */
public final class ShmMappingLimitException extends ShmException {
    private static final long serialVersionUID = 1L;

    private final int held;
    private final int limit;

    /**
     * @param segmentName the segment that was not mapped
     * @param held mappings this process held when it was refused
     * @param limit the most jshmex makes in this process
     */
    public ShmMappingLimitException(String segmentName, int held, int limit) {
        super(segmentName, 0, "cannot map " + segmentName + ": this process holds " + held + " shared-memory "
            + "mappings, the most jshmex makes (" + limit + ": half of vm.max_map_count, or -Djshmex.maxMappings). "
            + "Every segment, and every buffer a message carries as a view, takes one until it is closed, released "
            + "or collected: send fewer, larger buffers (the arrays of one message share one), and close segments "
            + "or NativeShm.release buffers when done.");
        this.held = held;
        this.limit = limit;
    }

    /** Mappings this process held when the new one was refused. */
    public int held() {
        return held;
    }

    /** The most mappings jshmex makes in this process. */
    public int limit() {
        return limit;
    }
}
