package io.jshmex.transfer;

import io.jshmex.shm.Mapping;
import io.jshmex.shm.Views;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The shared-memory side of one channel between the parent and one worker, on one end: the
 * blocks this end sends through ({@link BlockPool}), the peer's blocks it has received, and the
 * users' named segments it has mapped. The executor calls it for every message:
 * {@link #encode} and {@link #stage} on the way out, {@link #decode} on the way in, and passes the
 * notices ({@link #takePeerBlocksDone()}, {@link #takeDrops()}) with its messages.
 */
public final class TransferLink implements AutoCloseable {
    private final long threshold;
    private final BlockPool outgoing;
    private final ReceivedBlocks incoming = new ReceivedBlocks(this);
    private final NamedSegments named = new NamedSegments();
    private final List<Long> peerBlocksDone = new ArrayList<>();
    private volatile Runnable urgentNotice = () -> { };

    /**
     * @param threshold arrays of at least this many bytes go through shared memory
     * @param trimAfterMillis how long free transfer blocks are kept for reuse
     */
    public TransferLink(long threshold, long trimAfterMillis) {
        this.threshold = threshold;
        this.outgoing = new BlockPool(trimAfterMillis);
    }

    /** Called, on any thread, when notices should reach the peer without waiting for a message. */
    public void onUrgentNotice(Runnable action) {
        this.urgentNotice = action;
    }

    public BlockPool blocks() {
        return outgoing;
    }

    public long threshold() {
        return threshold;
    }

    /** Encodes a graph; buffers from this end's own blocks will go by reference. */
    public Payload encode(Object graph) throws IOException {
        return PayloadEncoder.encode(graph, threshold, outgoing);
    }

    /** Puts a payload's large values into shared memory; the returned table goes with the message. */
    public Staged stage(Payload payload) {
        Staged staged = new Staged();
        try {
            for (int i = 0; i < payload.values.size(); i++) {
                staged.table.add(stageOne(payload.values.get(i), payload.refs.get(i), payload.homes.get(i), staged));
            }
            return staged;
        } catch (RuntimeException | Error e) {
            abandon(staged);
            throw e;
        }
    }

    private TableEntry stageOne(Object value, SharedRef ref, Mapping home, Staged staged) {
        long bytes = ref.byteLength();
        if (home != null) {
            long offset = Views.address((Buffer) value) - home.dataAddress();
            if (home.tag() instanceof BlockPool.Block) {
                BlockPool.Block block = (BlockPool.Block) home.tag();
                outgoing.moveToPeer(block);
                return new TableEntry(false, home.name(), block.id, offset, bytes);
            }
            return new TableEntry(true, home.name(), -1, offset, bytes);
        }
        BlockPool.Block block = outgoing.acquireForPeer(bytes);
        staged.blocks.add(block);
        if (ref.form == SharedRef.RECORDS) {
            Copier.recordsToShm(ref.layout, (Object[]) value, block.mapping, 0);
        } else if (ref.form == SharedRef.ARRAY) {
            Copier.arrayToShm(ValueKind.ofType(ref.elementType), value, ref.length, block.mapping, 0);
        } else {
            Copier.bufferToShm(ValueKind.ofType(ref.elementType), (Buffer) value, block.mapping, 0);
        }
        return new TableEntry(false, block.mapping.name(), block.id, 0, bytes);
    }

    /** A staged message that will not be sent: its blocks are free again. */
    public void abandon(Staged staged) {
        for (BlockPool.Block block : staged.blocks) {
            outgoing.releaseFromPeer(block.id);
        }
        staged.blocks.clear();
    }

    /** Decodes a message: arrays copied out (their blocks then go back), buffers as views. */
    public Object decode(byte[] stream, List<TableEntry> table, Receipt receipt) throws IOException, ClassNotFoundException {
        return PayloadDecoder.decode(stream, this, table, receipt);
    }

    Object materialize(SharedRef ref, TableEntry entry, Receipt receipt) throws IOException {
        long bytes = ref.byteLength();
        if (bytes > entry.bytes()) {
            throw new IllegalStateException("shared value needs " + bytes + " bytes, its segment entry has " + entry.bytes());
        }
        if (ref.form == SharedRef.RECORDS) {
            RecordLayout local = ref.layout.local(loader());
            if (entry.named()) {
                return Copier.shmToRecords(local, ref.length, named.get(entry.name()), entry.offset());
            }
            ReceivedBlocks.Received block = incoming.get(entry);
            Object[] rows = Copier.shmToRecords(local, ref.length, block.mapping, entry.offset());
            peerBlockDone(block.id, false);
            return rows;
        }
        ValueKind kind = ValueKind.ofType(ref.elementType);
        if (entry.named()) {
            Mapping mapping = named.get(entry.name());
            if (ref.form == SharedRef.ARRAY) {
                return Copier.shmToArray(kind, ref.length, mapping, entry.offset());
            }
            return shape(mapping.view(entry.offset(), bytes), ref, kind);
        }
        ReceivedBlocks.Received block = incoming.get(entry);
        if (ref.form == SharedRef.ARRAY || bytes > Views.MAX_VIEW_BYTES) {
            Object array = Copier.shmToArray(kind, ref.length, block.mapping, entry.offset());
            peerBlockDone(block.id, false);
            return ref.form == SharedRef.ARRAY ? array : HeapBuffers.wrap(kind, array, ref);
        }
        ReceivedBlocks.Lease lease = incoming.lease(block);
        ByteBuffer view = block.mapping.view(entry.offset(), bytes, () -> lease.end(false, true));
        if (receipt != null) {
            receipt.leases.add(lease);
        }
        return shape(view, ref, kind);
    }

    private static ClassLoader loader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : TransferLink.class.getClassLoader();
    }

    private static Buffer shape(ByteBuffer view, SharedRef ref, ValueKind kind) {
        Buffer typed = kind.typedView(view.order(ref.bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN));
        return Shapes.shape(typed, ref.length, ref.position, ref.limit, ref.readOnly);
    }

    /** This end is done with one of the peer's blocks; the peer learns it with the next message. */
    void peerBlockDone(long id, boolean urgent) {
        synchronized (peerBlocksDone) {
            peerBlocksDone.add(id);
        }
        if (urgent) {
            urgentNotice.run();
        }
    }

    /** Ids of the peer's blocks this end is done with, for the next message; empties the list. */
    public long[] takePeerBlocksDone() {
        synchronized (peerBlocksDone) {
            long[] ids = peerBlocksDone.stream().mapToLong(Long::longValue).toArray();
            peerBlocksDone.clear();
            return ids;
        }
    }

    /** Ids of this end's closed blocks, for the next message; empties the list. */
    public long[] takeDrops() {
        return outgoing.takeDrops();
    }

    /** Applies the peer's notices: blocks it is done with, blocks it closed. */
    public void applyNotices(long[] doneWithOurs, long[] droppedTheirs) {
        for (long id : doneWithOurs) {
            outgoing.releaseFromPeer(id);
        }
        for (long id : droppedTheirs) {
            incoming.drop(id);
        }
    }

    /** Lets go of users' segments unlinked since they were mapped (after each task). */
    public void sweepNamed() {
        named.sweep();
    }

    @Override
    public void close() {
        outgoing.close();
        incoming.close();
        named.close();
    }

    /** The segment table of a staged message, and the blocks it took. */
    public static final class Staged {
        final List<TableEntry> table = new ArrayList<>();
        final List<BlockPool.Block> blocks = new ArrayList<>();

        public List<TableEntry> table() {
            return table;
        }
    }
}
