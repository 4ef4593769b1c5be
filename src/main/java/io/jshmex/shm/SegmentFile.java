package io.jshmex.shm;

/**
 * An open, checked segment: its descriptor outlives its name, so a receiver can unlink the name
 * at once and still map the memory again later (a fresh mapping after an earlier one was retired).
 */
public final class SegmentFile implements AutoCloseable {
    private final SegmentInfo info;
    private final int fd;
    private boolean closed;

    private SegmentFile(SegmentInfo info, int fd) {
        this.info = info;
        this.fd = fd;
    }

    /**
     * Opens a segment after checking owner, size and header.
     *
     * @throws io.jshmex.SegmentNotFoundException if there is no such name
     * @throws io.jshmex.InvalidSegmentException if it is not a valid segment of this user
     */
    public static SegmentFile open(String name) {
        long[] raw = new long[SegmentInfo.FIELDS];
        int fd = Shm.open(name, raw);
        return new SegmentFile(new SegmentInfo(name, raw), fd);
    }

    public SegmentInfo info() {
        return info;
    }

    /** Maps the whole segment (header included) read-write, pages populated. */
    public synchronized Mapping map() {
        if (closed) {
            throw new IllegalStateException("segment file " + info.name() + " is closed");
        }
        return Mapping.ofFile(info, fd);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Shm.closeFd(fd);
        }
    }
}
