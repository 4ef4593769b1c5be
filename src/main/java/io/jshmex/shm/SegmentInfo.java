package io.jshmex.shm;

/**
 * What a segment's header says.
 *
 * @param name the segment's name
 * @param mappedBytes header plus data
 * @param elementType one of {@code SegmentDescriptor.TYPE_*}
 * @param elementCount elements of that type
 * @param dataBytes bytes after the header
 * @param creatorPid the creating process
 * @param creatorStartMillis its start time, epoch milliseconds (0 if unknown)
 * @param inode the file's inode: tells a segment from a later one of the same name (0 if unknown)
 */
public record SegmentInfo(String name, long mappedBytes, int elementType, long elementCount, long dataBytes,
                          long creatorPid, long creatorStartMillis, long inode) {
    /** Values the native layer fills in. */
    static final int FIELDS = 7;

    SegmentInfo(String name, long[] info) {
        this(name, info[0], (int) info[1], info[2], info[3], info[4], info[5], info[6]);
    }
}
