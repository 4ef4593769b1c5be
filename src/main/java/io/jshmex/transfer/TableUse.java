package io.jshmex.transfer;

import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What decoding one message has done with its segment table: which entries it has resolved, and
 * for each block of the peer's that the table names, how many of its values are still to be dealt
 * with. Small values of one message share a block ({@link TransferLink#stage}), which can go back
 * to the peer only after the last of them; a block that a view shows goes back when its lease ends.
 */
final class TableUse {
    final List<TableEntry> table;
    private final boolean[] resolved;
    private final Map<Long, Integer> pending = new HashMap<>();
    private final Set<Long> viewed = new HashSet<>();

    TableUse(List<TableEntry> table) {
        this.table = table;
        this.resolved = new boolean[table.size()];
        for (TableEntry entry : table) {
            if (sentInPeersBlock(entry)) {
                pending.merge(entry.blockId(), 1, Integer::sum);
            }
        }
    }

    /** A value in a block of the sender's pool (not a user's segment, not a block of this side's). */
    static boolean sentInPeersBlock(TableEntry entry) {
        return !entry.named() && !entry.receiversBlock();
    }

    TableEntry entry(int index) throws IOException {
        if (index < 0 || index >= table.size()) {
            throw new IOException("shared value #" + index + " has no segment table entry");
        }
        if (resolved[index]) {
            throw new IOException("shared value #" + index + " is referred to twice");
        }
        return table.get(index);
    }

    void resolved(int index) {
        resolved[index] = true;
    }

    boolean isResolved(int index) {
        return resolved[index];
    }

    /**
     * One value of a peer's block has been dealt with: copied out, shown as a view ({@code view}),
     * or never reached. True when the block can go back to the peer now: that was its last value
     * and no view of this message shows it (a view's lease gives it back when it ends).
     */
    boolean done(TableEntry entry, boolean view) {
        if (view) {
            viewed.add(entry.blockId());
        }
        int left = pending.merge(entry.blockId(), -1, Integer::sum);
        return left == 0 && !viewed.contains(entry.blockId());
    }
}
