package io.jshmex.transfer;

import io.jshmex.ShmMappingLimitException;
import io.jshmex.ShmSpaceException;
import io.jshmex.shm.MappedMemory;
import io.jshmex.shm.Mapping;
import io.jshmex.shm.Shm;
import io.jshmex.shm.Views;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.BooleanSupplier;

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
    private final NamedSegments named;
    private final List<Long> peerBlocksDone = new ArrayList<>();
    private static final int SPACE_RETRIES = 4;
    /**
     * Values copied out on receipt up to this size share a block with the others of their message;
     * larger ones take a block each, which a reply can reuse and whose copy overlaps the receiver's.
     */
    static final long SMALL_VALUE_BYTES = 1 << 20;

    private volatile Runnable urgentNotice = () -> { };
    private volatile Runnable spaceRelief = () -> { };
    private volatile boolean peerGone;
    private volatile BooleanSupplier peerAlive = () -> true;
    /** The decoder kept for the next message (none while one is in use, or after one failed). */
    private volatile PayloadDecoder reusable;

    /**
     * @param threshold arrays of at least this many bytes go through shared memory
     * @param trimAfterMillis how long free transfer blocks are kept for reuse
     * @param keepNamedMappings keep users' segments that arrive by name mapped for later
     *     messages (in a worker), rather than only as long as their views live (in the parent)
     */
    public TransferLink(long threshold, long trimAfterMillis, boolean keepNamedMappings) {
        this.threshold = threshold;
        this.outgoing = new BlockPool(trimAfterMillis);
        this.named = new NamedSegments(keepNamedMappings);
    }

    /** Called, on any thread, when notices should reach the peer without waiting for a message. */
    public void onUrgentNotice(Runnable action) {
        this.urgentNotice = action;
    }

    /**
     * What to do when {@code /dev/shm} is full while staging: ask the peer for relief
     * ({@link #relieveForPeer()} on its side), with this end's notices, and apply the peer's
     * answer (the thread that stages is the one that reads the channel).
     */
    public void onSpacePressure(Runnable relief) {
        this.spaceRelief = relief;
    }

    /** The peer died or its channel broke: nothing it was still copying will come. */
    public void markPeerGone() {
        peerGone = true;
    }

    /** How to tell, while waiting for a value the peer is copying in, that the peer is still there. */
    public void peerAliveWhile(BooleanSupplier alive) {
        this.peerAlive = alive;
    }

    boolean isPeerGone() {
        return peerGone || !peerAlive.getAsBoolean();
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

    /**
     * Prepares a payload's large values for sending: values already in shared memory are named,
     * the others get a transfer block each. The returned table goes with the message; the values
     * are copied in by {@link Staged#copyIn()} once the message is sent, so that the receiver can
     * copy out while this side copies in.
     *
     * @throws io.jshmex.ShmSpaceException if {@code /dev/shm} has no room for a new block
     */
    public Staged stage(Payload payload) {
        for (int attempt = 0; ; attempt++) {
            Staged staged = new Staged();
            try {
                int count = payload.values.size();
                TableEntry[] entries = new TableEntry[count];
                PendingCopy[] copies = new PendingCopy[count];
                stageSmallTogether(payload, entries, copies, staged);
                for (int i = 0; i < count; i++) {
                    if (entries[i] == null) {
                        entries[i] = stageOne(payload.values.get(i), payload.refs.get(i), payload.homes.get(i), staged, copies, i);
                    }
                }
                staged.table.addAll(Arrays.asList(entries));
                for (PendingCopy copy : copies) {
                    if (copy != null) {
                        staged.copies.add(copy);
                    }
                }
                return staged;
            } catch (ShmSpaceException full) {
                abandon(staged);
                if (attempt == SPACE_RETRIES || Shm.exceedsAll(full.requestedBytes())) {
                    throw full;
                }
                relieve(attempt);
            } catch (ShmMappingLimitException limit) {
                int taken = staged.blocks.size();
                abandon(staged);
                // the blocks this message took and gave back hold mappings too: let them go, so that
                // the next message finds the count as it was; one more try if others were in the way
                if (attempt > 0 || taken >= limit.limit() / 2) {
                    outgoing.trim(true);
                    throw limit;
                }
                relieve(attempt);
            } catch (RuntimeException | Error e) {
                abandon(staged);
                throw e;
            }
        }
    }

    /**
     * A zeroed buffer for {@code NativeShm.doubles} and friends in a worker, from this end's
     * pooled blocks; a full {@code /dev/shm} gets the same relief as a transfer.
     */
    public ByteBuffer allocateLocal(long bytes) {
        for (int attempt = 0; ; attempt++) {
            try {
                relieveIfOverThreshold(bytes);
                return outgoing.allocateLocal(bytes);
            } catch (ShmSpaceException full) {
                if (attempt == SPACE_RETRIES || Shm.exceedsAll(full.requestedBytes())) {
                    throw full;
                }
                relieve(attempt);
            }
        }
    }

    /**
     * A new block would take this process's mapped shared memory past its GC threshold: the
     * blocks the peer holds may be held only by its garbage, so ask for relief first, before
     * {@code /dev/shm} is full.
     */
    private void relieveIfOverThreshold(long bytes) {
        if (MappedMemory.mappedBytes() + bytes > MappedMemory.gcThreshold() && !outgoing.hasFreeFit(bytes)) {
            relieve(0);
        }
    }

    /**
     * {@code /dev/shm} is full: free blocks of ours go, the peer is told at once (its mappings
     * of them hold the memory too), and what the peer let go of meanwhile is picked up; then a
     * pause, growing with each attempt, for the peer (and the garbage collector) to act.
     */
    private void relieve(int attempt) {
        outgoing.trim(true);
        spaceRelief.run();
        try {
            Thread.sleep(25L << attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        spaceRelief.run();
    }

    /**
     * Values that are copied out on receipt and small ({@link #SMALL_VALUE_BYTES} at most) share
     * one block when a message has several: one segment and one mapping instead of one each, so a
     * message of many arrays just over the threshold does not map as many segments. Each value
     * keeps a progress word of its own before it; the receiver gives the block back after the last.
     */
    private void stageSmallTogether(Payload payload, TableEntry[] entries, PendingCopy[] copies, Staged staged) {
        List<Integer> small = new ArrayList<>();
        for (int i = 0; i < payload.values.size(); i++) {
            SharedRef ref = payload.refs.get(i);
            if (payload.homes.get(i) == null && ref.copiedOnReceipt() && ref.byteLength() <= SMALL_VALUE_BYTES) {
                small.add(i);
            }
        }
        if (small.size() < 2) {
            return;
        }
        long[] offsets = new long[small.size()];
        long end = 0;
        for (int k = 0; k < small.size(); k++) {
            offsets[k] = end + Progress.BYTES;
            end = align(offsets[k] + payload.refs.get(small.get(k)).byteLength());
        }
        relieveIfOverThreshold(end);
        BlockPool.Block block = outgoing.acquireForPeer(end);
        staged.blocks.add(block);
        for (int k = 0; k < small.size(); k++) {
            int i = small.get(k);
            SharedRef ref = payload.refs.get(i);
            copies[i] = new PendingCopy(payload.values.get(i), ref, block.mapping, offsets[k], this::isPeerGone);
            entries[i] = new TableEntry(false, block.mapping.name(), block.id, offsets[k], ref.byteLength(), true, false);
        }
    }

    /** Rounds up to a cache line, so that no two values of a block share one. */
    private static long align(long offset) {
        return (offset + Progress.BYTES - 1) & -Progress.BYTES;
    }

    private TableEntry stageOne(Object value, SharedRef ref, Mapping home, Staged staged, PendingCopy[] copies, int index) {
        long bytes = ref.byteLength();
        if (home != null) {
            long offset = Views.address((Buffer) value) - home.dataAddress();
            if (home.tag() instanceof BlockPool.Block) {
                BlockPool.Block block = (BlockPool.Block) home.tag();
                outgoing.moveToPeer(block);
                return new TableEntry(false, home.name(), block.id, offset, bytes, false, false);
            }
            return new TableEntry(true, home.name(), -1, offset, bytes, false, false);
        }
        if (ref.copiedOnReceipt()) {
            // no view will show it: a block of the receiver's that this end is done with will do
            ReceivedBlocks.Received lent = takeDoneBlockOfPeer(Progress.BYTES + bytes);
            if (lent != null) {
                staged.handedBack.add(lent.id);
                copies[index] = new PendingCopy(value, ref, lent.mapping, Progress.BYTES, this::isPeerGone);
                return new TableEntry(false, lent.mapping.name(), lent.id, Progress.BYTES, bytes, true, true);
            }
        }
        relieveIfOverThreshold(Progress.BYTES + bytes);
        BlockPool.Block block = outgoing.acquireForPeer(Progress.BYTES + bytes);
        staged.blocks.add(block);
        copies[index] = new PendingCopy(value, ref, block.mapping, Progress.BYTES, this::isPeerGone);
        return new TableEntry(false, block.mapping.name(), block.id, Progress.BYTES, bytes, true, false);
    }

    /**
     * One of the peer's blocks that this end has copied a value out of and not yet reported, with
     * room for {@code bytes}, taken off the report: the value goes back in it, so that a reply
     * needs no block of this end's (one block of memory per round trip instead of two). Null if none.
     */
    private ReceivedBlocks.Received takeDoneBlockOfPeer(long bytes) {
        // under the list's lock, so that no report takes the block meanwhile; ReceivedBlocks never
        // reports while it holds its own lock, so the two locks are always taken in this order
        synchronized (peerBlocksDone) {
            for (Iterator<Long> it = peerBlocksDone.iterator(); it.hasNext(); ) {
                ReceivedBlocks.Received block = incoming.mappedWithRoom(it.next(), bytes);
                if (block != null) {
                    it.remove();
                    return block;
                }
            }
        }
        return null;
    }

    /** A staged message that will not be sent: its blocks are free again. */
    public void abandon(Staged staged) {
        for (BlockPool.Block block : staged.blocks) {
            outgoing.releaseFromPeer(block.id);
        }
        for (long id : staged.handedBack) {
            peerBlockDone(id, false);
        }
        staged.blocks.clear();
        staged.handedBack.clear();
        staged.copies.clear();
    }

    /** Decodes a message: arrays copied out (their blocks then go back), buffers as views. */
    public Object decode(byte[] stream, List<TableEntry> table, Receipt receipt) throws IOException, ClassNotFoundException {
        return decode(stream, table, receipt, null);
    }

    /** Like {@link #decode(byte[], List, Receipt)}, refusing what {@code filter} rejects (if not null). */
    public Object decode(byte[] stream, List<TableEntry> table, Receipt receipt, ObjectInputFilter filter)
        throws IOException, ClassNotFoundException {
        TableUse use = new TableUse(table);
        PayloadDecoder decoder = filter != null ? PayloadDecoder.open(this, filter) : takeDecoder();
        boolean decoded = false;
        try {
            Object graph = decoder.decode(stream, use, receipt);
            decoded = true;
            return graph;
        } finally {
            if (decoded && filter == null && stream.length <= PayloadEncoder.KEEP_AFTER_BYTES_AT_MOST) {
                reusable = decoder;
            }
            discardUnresolved(use);
        }
    }

    /** The kept decoder, or a new one; one thread decodes at a time, but any may. */
    private PayloadDecoder takeDecoder() throws IOException {
        PayloadDecoder decoder;
        synchronized (this) {
            decoder = reusable;
            reusable = null;
        }
        return decoder != null ? decoder : PayloadDecoder.open(this);
    }

    /**
     * Blocks of a message that decoding did not reach (it failed before, or nothing referred to
     * them) go back to the peer and lose their names, like the others.
     */
    private void discardUnresolved(TableUse use) {
        for (int i = 0; i < use.table.size(); i++) {
            TableEntry entry = use.table.get(i);
            if (use.isResolved(i) || entry.named()) {
                continue;
            }
            if (entry.receiversBlock()) {
                outgoing.releaseFromPeer(entry.blockId());
                continue;
            }
            try {
                incoming.open(entry);
            } catch (RuntimeException gone) {
                // nothing of it left to take care of
            }
            if (use.done(entry, false)) {
                peerBlockDone(entry.blockId(), false);
            }
        }
    }

    Object materialize(SharedRef ref, TableEntry entry, TableUse use, Receipt receipt) throws IOException {
        long bytes = ref.byteLength();
        if (bytes > entry.bytes()) {
            throw new IllegalStateException("shared value needs " + bytes + " bytes, its segment entry has " + entry.bytes());
        }
        if (entry.receiversBlock()) {
            return materializeFromOwnBlock(ref, entry);
        }
        Mapping mapping;
        ReceivedBlocks.Received block = null;
        Progress progress = null;
        if (entry.named()) {
            mapping = named.get(entry.name());
        } else {
            block = incoming.get(entry);
            mapping = block.mapping;
            if (entry.streamed()) {
                progress = Progress.of(mapping, entry.offset(), this::isPeerGone);
            }
        }
        try {
            return materializeFrom(mapping, block, progress, ref, entry, use, receipt);
        } finally {
            if (block == null) {
                named.done(mapping);
            }
        }
    }

    private Object materializeFrom(Mapping mapping, ReceivedBlocks.Received block, Progress progress, SharedRef ref,
                                   TableEntry entry, TableUse use, Receipt receipt) throws IOException {
        long bytes = ref.byteLength();
        if (ref.copiedOnReceipt()) {
            Object value = copyOut(ref, mapping, entry.offset(), progress);
            if (block != null && use.done(entry, false)) {
                // the last value of the block copied out: the peer may reuse it
                peerBlockDone(block.id, false);
            }
            return value;
        }
        ValueKind kind = ValueKind.ofType(ref.elementType);
        if (progress != null) {
            progress.await(bytes);
        }
        if (block == null) {
            return shape(mapping.view(entry.offset(), bytes), ref, kind);
        }
        ReceivedBlocks.Lease lease = incoming.lease(block);
        ByteBuffer view = block.mapping.view(entry.offset(), bytes, () -> lease.end(false, true));
        if (receipt != null) {
            receipt.leases.add(lease);
        }
        use.done(entry, true);
        return shape(view, ref, kind);
    }

    /**
     * A value the peer wrote back into one of this end's blocks: copied out (only values that are
     * copied come this way), then the block is free again.
     */
    private Object materializeFromOwnBlock(SharedRef ref, TableEntry entry) throws IOException {
        BlockPool.Block block = outgoing.heldByPeer(entry.blockId());
        if (block == null || entry.offset() + entry.bytes() > block.capacity()) {
            throw new IOException("segment table entry names block " + entry.blockId()
                + " of this side, which the peer does not hold or which is too small");
        }
        try {
            if (!ref.copiedOnReceipt()) {
                throw new IOException("a value shown as a view cannot come back in this side's own block");
            }
            return copyOut(ref, block.mapping, entry.offset(), Progress.of(block.mapping, entry.offset(), this::isPeerGone));
        } finally {
            outgoing.releaseFromPeer(block.id);
        }
    }

    /** A value the receiver copies out ({@link SharedRef#copiedOnReceipt()}), as it is copied out of {@code mapping}. */
    private static Object copyOut(SharedRef ref, Mapping mapping, long offset, Progress progress) throws IOException {
        if (ref.form == SharedRef.RECORDS) {
            return Copier.shmToRecords(ref.layout.local(loader()), ref.length, mapping, offset, progress);
        }
        ValueKind kind = ValueKind.ofType(ref.elementType);
        Object array = Copier.shmToArray(kind, ref.length, mapping, offset, progress);
        return ref.form == SharedRef.ARRAY ? array : HeapBuffers.wrap(kind, array, ref);
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

    /**
     * The peer is short of shared memory: collect garbage (buffers the user dropped still hold
     * the peer's blocks until then), give back this end's free blocks, and tell the peer at once.
     */
    public void relieveForPeer() {
        MappedMemory.collectNow();
        outgoing.trim(true);
        urgentNotice.run();
    }

    /**
     * Entries naming this end's new blocks that the peer has not heard of yet (made for buffers
     * a task allocates), for a notice: the peer opens them and unlinks their names.
     */
    public List<TableEntry> takeAnnouncements() {
        List<TableEntry> entries = new ArrayList<>();
        for (BlockPool.Block block : outgoing.takeUnannounced()) {
            entries.add(new TableEntry(false, block.mapping.name(), block.id, 0, 0, false, false));
        }
        return entries;
    }

    /** The peer announced blocks of its own: open them now, which unlinks their names. */
    public void adoptAnnounced(List<TableEntry> entries) {
        for (TableEntry entry : entries) {
            try {
                incoming.open(entry);
            } catch (RuntimeException gone) {
                // closed by the peer meanwhile: nothing to unlink
            }
        }
    }

    /** Whether notices are waiting for the next message. */
    public boolean hasNotices() {
        synchronized (peerBlocksDone) {
            if (!peerBlocksDone.isEmpty()) {
                return true;
            }
        }
        return outgoing.hasDrops();
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

    /** The segment table of a staged message, the blocks it took, and the copies still to do. */
    public static final class Staged {
        final List<TableEntry> table = new ArrayList<>();
        final List<BlockPool.Block> blocks = new ArrayList<>();
        /** Blocks of the peer's that carry values back to it (see {@link TransferLink#takeDoneBlockOfPeer}). */
        final List<Long> handedBack = new ArrayList<>();
        final List<PendingCopy> copies = new ArrayList<>();

        public List<TableEntry> table() {
            return table;
        }

        /**
         * Copies the values in, in table order (the order the receiver reads them), publishing
         * each chunk. Call it after sending the message. If it fails, the receiver is told.
         */
        public void copyIn() throws IOException {
            for (int i = 0; i < copies.size(); i++) {
                try {
                    copies.get(i).run();
                } catch (IOException | RuntimeException | Error e) {
                    for (int j = i; j < copies.size(); j++) {
                        copies.get(j).progress.fail();
                    }
                    throw e;
                }
            }
            copies.clear();
        }
    }

    /** One value to copy into its block after the message has gone. */
    private static final class PendingCopy {
        final Object value;
        final SharedRef ref;
        final Mapping block;
        final long offset;
        final Progress progress;

        /** Resets the value's progress word: the receiver must not read a former value's count. */
        PendingCopy(Object value, SharedRef ref, Mapping block, long offset, BooleanSupplier peerGone) {
            this.value = value;
            this.ref = ref;
            this.block = block;
            this.offset = offset;
            this.progress = Progress.of(block, offset, peerGone);
            progress.reset();
        }

        void run() throws IOException {
            if (ref.form == SharedRef.RECORDS) {
                Copier.recordsToShm(ref.layout, (Object[]) value, block, offset, progress);
            } else if (ref.form == SharedRef.ARRAY) {
                Copier.arrayToShm(ValueKind.ofType(ref.elementType), value, ref.length, block, offset, progress);
            } else {
                Copier.bufferToShm(ValueKind.ofType(ref.elementType), (Buffer) value, block, offset, progress);
            }
        }
    }
}
