package io.jshmex.transfer;

import io.jshmex.ShmSpaceException;
import io.jshmex.shm.Mapping;
import io.jshmex.shm.SegmentDescriptor;
import io.jshmex.shm.Segments;
import io.jshmex.shm.Shm;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One side's transfer memory towards one peer: shared-memory blocks that stay mapped (and so stay
 * pre-faulted) on both sides and are reused from message to message. Copying into a block that
 * was used before costs a memcpy; a new segment costs a page fault per 4 KiB.
 *
 * <p>A block holds one value at a time. It is busy while the peer holds it (from sending until
 * the peer says it copied the value out or dropped its view) or while a local buffer made from
 * it ({@code NativeShm.doubles} in a worker) is alive. Free blocks idle for longer than the trim
 * delay are closed; the peer is told to forget them with the next message.
 */
public final class BlockPool implements AutoCloseable {
    private static final long MIN_BLOCK = 64 * 1024;

    private final Map<Long, Block> blocks = new LinkedHashMap<>();
    private final List<Long> drops = new ArrayList<>();
    /** Blocks made for local buffers that the peer has not heard of: their names are still there. */
    private final List<Block> unannounced = new ArrayList<>();
    private final long trimAfterNanos;
    private long nextId;
    private boolean closed;

    /** @param trimAfterMillis how long a free block is kept for reuse */
    public BlockPool(long trimAfterMillis) {
        this.trimAfterNanos = trimAfterMillis * 1_000_000L;
    }

    /** A block of this pool: the mapping it lives in carries it as its tag. */
    public final class Block {
        final long id;
        final Mapping mapping;
        boolean remoteHeld;
        boolean dirty;
        Object localLease;
        long lastUsedNanos = System.nanoTime();

        private Block(long id, Mapping mapping) {
            this.id = id;
            this.mapping = mapping;
        }

        BlockPool pool() {
            return BlockPool.this;
        }

        long capacity() {
            return mapping.dataBytes();
        }

        boolean isFree() {
            return !remoteHeld && localLease == null;
        }
    }

    /** A free block of at least {@code bytes}, now held for the peer. */
    synchronized Block acquireForPeer(long bytes) {
        Block block = acquire(bytes);
        block.remoteHeld = true;
        block.dirty = true;
        return block;
    }

    /**
     * A zeroed buffer of {@code bytes} from a pooled block, held locally until the buffer is
     * unreachable or sent to the peer (then the peer holds it).
     */
    public synchronized ByteBuffer allocateLocal(long bytes) {
        int before = blocks.size();
        Block block = acquire(bytes);
        if (blocks.size() > before) {
            unannounced.add(block);
        }
        Object lease = new Object();
        block.localLease = lease;
        if (block.dirty) {
            Shm.fillZero(block.mapping.dataAddress(), bytes);
        }
        block.dirty = true;
        try {
            return block.mapping.view(0, bytes, () -> releaseLocal(block, lease));
        } catch (RuntimeException e) {
            block.localLease = null;
            throw e;
        }
    }

    /** A locally held block is being sent: the peer holds it now. */
    synchronized void moveToPeer(Block block) {
        block.localLease = null;
        block.remoteHeld = true;
    }

    synchronized void releaseLocal(Block block, Object lease) {
        if (block.localLease == lease) {
            block.localLease = null;
            block.lastUsedNanos = System.nanoTime();
        }
    }

    /** The peer is done with block {@code id}. Unknown ids (already trimmed) are ignored. */
    synchronized void releaseFromPeer(long id) {
        Block block = blocks.get(id);
        if (block != null) {
            block.remoteHeld = false;
            block.lastUsedNanos = System.nanoTime();
        }
    }

    /** Block {@code id} if the peer holds it, else null. */
    synchronized Block heldByPeer(long id) {
        Block block = blocks.get(id);
        return block != null && block.remoteHeld ? block : null;
    }

    /** Whether a free block could take {@code bytes} now, without a new segment. */
    synchronized boolean hasFreeFit(long bytes) {
        return bestFree(bytes) != null;
    }

    private Block bestFree(long bytes) {
        Block best = null;
        long slack = bytes / 4 + MIN_BLOCK;
        for (Block block : blocks.values()) {
            long capacity = block.capacity();
            if (block.isFree() && capacity >= bytes && capacity <= bytes + slack
                && (best == null || capacity < best.capacity())) {
                best = block;
            }
        }
        return best;
    }

    private Block acquire(long bytes) {
        if (closed) {
            throw new IllegalStateException("transfer pool is closed");
        }
        trim(false);
        Block best = bestFree(bytes);
        if (best == null) {
            best = create(bytes);
        }
        best.lastUsedNanos = System.nanoTime();
        return best;
    }

    private Block create(long bytes) {
        long capacity = roundUp(bytes);
        Mapping mapping;
        try {
            mapping = Segments.createUnique(capacity, SegmentDescriptor.TYPE_RAW, capacity);
        } catch (ShmSpaceException full) {
            if (trim(true) == 0) {
                throw full;
            }
            mapping = Segments.createUnique(capacity, SegmentDescriptor.TYPE_RAW, capacity);
        }
        Block block = new Block(nextId++, mapping);
        mapping.tag(block);
        blocks.put(block.id, block);
        return block;
    }

    /** Sizes step by an eighth of the power of two below, so that similar sizes share blocks. */
    static long roundUp(long bytes) {
        long size = Math.max(bytes, MIN_BLOCK);
        long step = Math.max(MIN_BLOCK, Long.highestOneBit(size) / 8);
        return (size + step - 1) / step * step;
    }

    /** Closes free blocks: all of them, or those idle past the trim delay. Returns how many. */
    public synchronized int trim(boolean allFree) {
        long now = System.nanoTime();
        int closedCount = 0;
        for (Iterator<Block> it = blocks.values().iterator(); it.hasNext(); ) {
            Block block = it.next();
            if (block.isFree() && (allFree || now - block.lastUsedNanos > trimAfterNanos)) {
                it.remove();
                block.mapping.close();
                drops.add(block.id);
                closedCount++;
            }
        }
        return closedCount;
    }

    synchronized boolean hasDrops() {
        return !drops.isEmpty();
    }

    /**
     * Blocks made for local buffers since the last call: the peer is told their names so that it
     * opens them and unlinks the names at once, as for any block it receives.
     */
    synchronized List<Block> takeUnannounced() {
        List<Block> made = new ArrayList<>(unannounced);
        unannounced.clear();
        return made;
    }

    /** Ids of closed blocks the peer should forget; empties the list. */
    synchronized long[] takeDrops() {
        long[] ids = drops.stream().mapToLong(Long::longValue).toArray();
        drops.clear();
        return ids;
    }

    /** Bytes held in blocks, free or busy. */
    public synchronized long capacityBytes() {
        return blocks.values().stream().mapToLong(Block::capacity).sum();
    }

    public synchronized int blockCount() {
        return blocks.size();
    }

    /** Closes every block (unlinking names the peer never mapped). Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        for (Block block : blocks.values()) {
            block.mapping.close();
        }
        blocks.clear();
        drops.clear();
    }
}
