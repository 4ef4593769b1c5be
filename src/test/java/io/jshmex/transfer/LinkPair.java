package io.jshmex.transfer;

import java.io.IOException;
import java.util.List;

/**
 * The two ends of one parent-worker channel in one JVM, so that the transfer can be checked
 * without a child process: the parent encodes as the executor does (before a worker is chosen,
 * with no block pool of its own to send from), the worker with its own pool, and the notices each
 * side owes the other are passed on only when a test says so, as the next message would.
 */
final class LinkPair implements AutoCloseable {
    static final long THRESHOLD = 4096;
    /** Long enough that no block is trimmed during a test, unless a test trims. */
    static final long KEEP_BLOCKS_MILLIS = 600_000;

    final long threshold;
    final TransferLink parent;
    final TransferLink worker;
    /** The leases of what the worker received, as WorkerMain keeps them for one task. */
    final Receipt workerReceipt = new Receipt();
    Payload lastPayload;
    List<TableEntry> lastTable;

    LinkPair() {
        this(THRESHOLD);
    }

    LinkPair(long threshold) {
        this.threshold = threshold;
        this.parent = new TransferLink(threshold, KEEP_BLOCKS_MILLIS, false);
        this.worker = new TransferLink(threshold, KEEP_BLOCKS_MILLIS, true);
    }

    /** What the worker decodes from a message the parent sent. */
    Object toWorker(Object graph) throws IOException, ClassNotFoundException {
        Payload payload = PayloadEncoder.encode(graph, threshold, null);
        return deliver(parent, worker, payload, workerReceipt);
    }

    /** What the parent decodes from a message the worker sent (the executor keeps no receipt there). */
    Object toParent(Object graph) throws IOException, ClassNotFoundException {
        return deliver(worker, parent, worker.encode(graph), null);
    }

    private Object deliver(TransferLink from, TransferLink to, Payload payload, Receipt receipt)
        throws IOException, ClassNotFoundException {
        TransferLink.Staged staged = from.stage(payload);
        // in one thread the copy must be complete before the receiver reads; StreamedCopyTest overlaps them
        staged.copyIn();
        lastPayload = payload;
        lastTable = staged.table();
        return to.decode(payload.stream(), staged.table(), receipt);
    }

    /** Both sides read the notices the other side has piled up. */
    void exchangeNotices() {
        parent.applyNotices(worker.takePeerBlocksDone(), worker.takeDrops());
        worker.applyNotices(parent.takePeerBlocksDone(), parent.takeDrops());
    }

    @Override
    public void close() {
        parent.close();
        worker.close();
    }
}
