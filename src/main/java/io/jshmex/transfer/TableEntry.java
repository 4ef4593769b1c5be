package io.jshmex.transfer;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Where one large value of a message lies: in a transfer block of the sender's (known by id once
 * the receiver has mapped it), in a block of the receiver's own that the sender had copied a value
 * out of and wrote this one into instead of taking a block of its own, or in a named segment the
 * user made.
 *
 * @param named true for a user's segment (by reference), false for a transfer block
 * @param name the segment's name (the receiver maps it the first time it sees the block)
 * @param blockId the block's id in the sender's pool, or -1 for a named segment
 * @param offset where the value starts within the segment's data
 * @param bytes how many bytes it spans
 * @param streamed the sender is still copying it in: a {@link Progress} word precedes it
 * @param receiversBlock {@code blockId} is a block of the receiver's pool, handed back with this value
 */
public record TableEntry(boolean named, String name, long blockId, long offset, long bytes, boolean streamed,
                         boolean receiversBlock) {
    public void write(DataOutput out) throws IOException {
        out.writeBoolean(named);
        out.writeBoolean(streamed);
        out.writeBoolean(receiversBlock);
        out.writeUTF(name);
        out.writeLong(blockId);
        out.writeLong(offset);
        out.writeLong(bytes);
    }

    public static TableEntry read(DataInput in) throws IOException {
        boolean named = in.readBoolean();
        boolean streamed = in.readBoolean();
        boolean receiversBlock = in.readBoolean();
        String name = in.readUTF();
        long blockId = in.readLong();
        long offset = in.readLong();
        long bytes = in.readLong();
        if (offset < 0 || bytes < 0 || (streamed && (named || offset < Progress.BYTES))
            || (receiversBlock && (named || !streamed || blockId < 0))) {
            throw new IOException("corrupt segment table entry for " + name);
        }
        return new TableEntry(named, name, blockId, offset, bytes, streamed, receiversBlock);
    }
}
