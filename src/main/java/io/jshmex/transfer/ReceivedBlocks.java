package io.jshmex.transfer;

import io.jshmex.shm.Mapping;
import io.jshmex.shm.SegmentFile;
import io.jshmex.shm.Shm;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The peer's transfer blocks as this side sees them. The first time a block arrives, its segment
 * is opened, its name unlinked at once (the memory now lives as long as the two processes keep
 * it mapped), and it is mapped; later messages reuse that mapping, already faulted in.
 *
 * <p>A buffer handed out over a block holds a {@link Lease}. The block goes back to the peer when
 * the lease ends: the buffer was collected, or released explicitly ({@code NativeShm.release}),
 * which first retires this side's mapping so the buffer reads zeros instead of the peer's next
 * data. The descriptor is kept, so the block can be mapped again.
 */
final class ReceivedBlocks {
    private final Map<Long, Received> byId = new HashMap<>();
    private final TransferLink link;

    ReceivedBlocks(TransferLink link) {
        this.link = link;
    }

    /** One of the peer's blocks: its open file, this side's current mapping, the live leases. */
    final class Received implements Runnable {
        final long id;
        final SegmentFile file;
        Mapping mapping;
        final Set<Lease> leases = new HashSet<>();

        Received(long id, SegmentFile file) {
            this.id = id;
            this.file = file;
        }

        /** Explicit release of the buffers handed out over this block (NativeShm.release). */
        @Override
        public void run() {
            Lease any;
            synchronized (ReceivedBlocks.this) {
                any = leases.isEmpty() ? null : leases.iterator().next();
            }
            if (any != null) {
                any.end(true, true);
            }
        }
    }

    /**
     * A buffer's claim on a received block (several buffers of one message may share a block).
     * The block goes back to the peer when its last lease ends.
     */
    final class Lease {
        private final Received block;
        private boolean ended;

        Lease(Received block) {
            this.block = block;
        }

        /**
         * Ends the claim. With {@code retire}, every claim on the block ends and this side's view
         * of it is cut off first, so no buffer can see the peer's next data. With {@code urgent},
         * the peer is told at once rather than with the next message.
         */
        void end(boolean retire, boolean urgent) {
            synchronized (ReceivedBlocks.this) {
                if (ended) {
                    return;
                }
                ended = true;
                block.leases.remove(this);
                if (retire) {
                    for (Lease other : block.leases) {
                        other.ended = true;
                    }
                    block.leases.clear();
                    if (block.mapping != null) {
                        block.mapping.close();
                        block.mapping = null;
                    }
                }
                if (!block.leases.isEmpty()) {
                    return;
                }
            }
            link.peerBlockDone(block.id, urgent);
        }
    }

    /** The block an entry names, opened (and its name unlinked) the first time, not mapped. */
    synchronized Received open(TableEntry entry) {
        Received block = byId.get(entry.blockId());
        if (block == null) {
            SegmentFile file = SegmentFile.open(entry.name());
            // the sender keeps its own mapping; from now on the memory needs no name
            Shm.unlink(entry.name());
            block = new Received(entry.blockId(), file);
            byId.put(entry.blockId(), block);
        }
        return block;
    }

    /** The mapping of the block an entry names, opening and mapping it if needed. */
    synchronized Received get(TableEntry entry) {
        Received block = open(entry);
        if (block.mapping == null || !block.mapping.isOpen()) {
            block.mapping = block.file.map();
            block.mapping.tag(block);
        }
        if (entry.offset() + entry.bytes() > block.mapping.dataBytes()) {
            throw new IllegalStateException("segment table entry [" + entry.offset() + ", +" + entry.bytes()
                + ") lies outside block " + entry.name() + " of " + block.mapping.dataBytes() + " bytes");
        }
        return block;
    }

    /**
     * Block {@code id} if this side still has it mapped and it has room for {@code bytes}; null
     * otherwise. A block whose mapping was cut off is not mapped again to carry a reply: mapping
     * populates every page (a sender taking a block of its own pays nothing of the kind when one
     * is free).
     */
    synchronized Received mappedWithRoom(long id, long bytes) {
        Received block = byId.get(id);
        if (block == null || block.mapping == null || !block.mapping.isOpen()) {
            return null;
        }
        return block.mapping.dataBytes() >= bytes ? block : null;
    }

    synchronized Lease lease(Received block) {
        Lease lease = new Lease(block);
        block.leases.add(lease);
        return lease;
    }

    /** The peer closed a block: forget it (buffers over it keep their memory until collected). */
    synchronized void drop(long id) {
        Received block = byId.remove(id);
        if (block != null) {
            block.file.close();
            if (block.mapping != null) {
                block.mapping.release();
            }
        }
    }

    synchronized void close() {
        for (Received block : byId.values()) {
            block.file.close();
            if (block.mapping != null) {
                block.mapping.release();
            }
        }
        byId.clear();
    }
}
