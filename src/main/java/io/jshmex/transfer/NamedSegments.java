package io.jshmex.transfer;

import io.jshmex.ShmException;
import io.jshmex.shm.Mapping;
import io.jshmex.shm.SegmentInfo;
import io.jshmex.shm.Shm;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Users' segments (NativeShm buffers, ShmSegment views) that arrived by name. A worker keeps them
 * mapped for the next task while they live ({@link #sweep()} lets go of those whose name is gone
 * or now names another segment); the parent, where the user holds the segment anyway, keeps
 * nothing: the views it hands out hold their mapping, and the mapping goes with them.
 */
final class NamedSegments {
    private final Map<String, Mapping> byName = new HashMap<>();
    private final boolean keep;

    /** @param keep whether to keep mappings for later messages */
    NamedSegments(boolean keep) {
        this.keep = keep;
    }

    /**
     * The mapping of a named segment, to make views of or copy from; when this side does not
     * keep mappings, the caller must {@link #done(Mapping)} it once its views are made.
     */
    synchronized Mapping get(String name) {
        if (!keep) {
            return Mapping.attach(name);
        }
        Mapping mapping = byName.get(name);
        if (mapping == null || !mapping.isOpen()) {
            mapping = Mapping.attach(name);
            byName.put(name, mapping);
        }
        return mapping;
    }

    /** The caller has made its views of (or copied from) {@code mapping}. */
    void done(Mapping mapping) {
        if (!keep) {
            mapping.release();
        }
    }

    /** Releases mappings of segments that were unlinked (or replaced) since they were mapped. */
    synchronized void sweep() {
        for (Iterator<Map.Entry<String, Mapping>> it = byName.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Mapping> entry = it.next();
            if (!sameSegment(entry.getValue())) {
                entry.getValue().release();
                it.remove();
            }
        }
    }

    private static boolean sameSegment(Mapping mapping) {
        try {
            SegmentInfo now = Shm.readHeader(mapping.name());
            SegmentInfo then = mapping.info();
            return now.inode() == then.inode() && now.dataBytes() == then.dataBytes();
        } catch (ShmException gone) {
            return false;
        }
    }

    synchronized void close() {
        byName.values().forEach(Mapping::release);
        byName.clear();
    }
}
