package io.jshmex.transfer;

import io.jshmex.ShmException;
import io.jshmex.shm.Mapping;
import io.jshmex.shm.SegmentInfo;
import io.jshmex.shm.Shm;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Users' segments (NativeShm buffers, ShmSegment views) that arrived by name, kept mapped for the
 * next task while they live: {@link #sweep()} lets go of those whose name is gone or now names
 * another segment.
 */
final class NamedSegments {
    private final Map<String, Mapping> byName = new HashMap<>();

    synchronized Mapping get(String name) {
        Mapping mapping = byName.get(name);
        if (mapping == null || !mapping.isOpen()) {
            mapping = Mapping.attach(name);
            byName.put(name, mapping);
        }
        return mapping;
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
