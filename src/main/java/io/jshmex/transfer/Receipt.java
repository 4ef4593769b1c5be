package io.jshmex.transfer;

import java.util.ArrayList;
import java.util.List;

/**
 * What decoding one message handed out: leases on the peer's blocks behind buffers. A worker
 * ends them when the task returns, so that a task's argument buffers are valid for the task and
 * their blocks go back to the parent at once, without waiting for the worker's garbage collector.
 */
public final class Receipt {
    final List<ReceivedBlocks.Lease> leases = new ArrayList<>();

    /** Ends every lease: buffers handed out read zeros from now on and their blocks go back. */
    public void endLeases() {
        for (ReceivedBlocks.Lease lease : leases) {
            lease.end(true, false);
        }
        leases.clear();
    }
}
