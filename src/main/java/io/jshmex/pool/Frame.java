package io.jshmex.pool;

import io.jshmex.transfer.TableEntry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One message on a worker's channel. Binary, length-prefixed:
 * <pre>
 *   int    length of what follows
 *   byte   kind
 *   long   task id (0 when none)
 *   int n, long[n]  ids of the receiver's transfer blocks the sender is done with
 *   int n, long[n]  ids of the sender's transfer blocks it closed
 *   int n, entries  segment table: where the stream's shared values lie
 *   int n, byte[n]  the object stream
 * </pre>
 */
final class Frame {
    static final byte HELLO = 1;
    static final byte INIT = 2;
    static final byte INIT_OK = 3;
    static final byte TASK = 4;
    static final byte RESULT = 5;
    static final byte FAILURE = 6;
    static final byte NOTICE = 7;
    static final byte SHUTDOWN = 8;
    static final byte REGISTRY = 9;
    /** The sender is short of shared memory: collect, give back free blocks, answer with notices. */
    static final byte SPACE = 10;

    /** A frame longer than this is corrupt: large values never travel in the stream itself. */
    static final int MAX_LENGTH = Integer.MAX_VALUE - 64;

    private static final long[] NONE = new long[0];

    final byte kind;
    final long taskId;
    final long[] peerBlocksDone;
    final long[] drops;
    final List<TableEntry> table;
    final byte[] stream;

    Frame(byte kind, long taskId, long[] peerBlocksDone, long[] drops, List<TableEntry> table, byte[] stream) {
        this.kind = kind;
        this.taskId = taskId;
        this.peerBlocksDone = peerBlocksDone == null ? NONE : peerBlocksDone;
        this.drops = drops == null ? NONE : drops;
        this.table = table == null ? List.of() : table;
        this.stream = stream == null ? new byte[0] : stream;
    }

    /** Whether the frame only carries notices (possibly with a request for relief). */
    boolean isNotice() {
        return kind == NOTICE || kind == SPACE;
    }

    static Frame control(byte kind, long taskId) {
        return new Frame(kind, taskId, null, null, null, null);
    }

    byte[] encode() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + stream.length + table.size() * 64);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0);
        out.writeByte(kind);
        out.writeLong(taskId);
        writeIds(out, peerBlocksDone);
        writeIds(out, drops);
        out.writeInt(table.size());
        for (TableEntry entry : table) {
            entry.write(out);
        }
        out.writeInt(stream.length);
        out.write(stream);
        out.flush();
        byte[] encoded = bytes.toByteArray();
        int length = encoded.length - 4;
        encoded[0] = (byte) (length >>> 24);
        encoded[1] = (byte) (length >>> 16);
        encoded[2] = (byte) (length >>> 8);
        encoded[3] = (byte) length;
        return encoded;
    }

    static Frame decode(byte[] body) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
        byte kind = in.readByte();
        long taskId = in.readLong();
        long[] done = readIds(in);
        long[] drops = readIds(in);
        int entries = checkCount(in.readInt(), body.length);
        List<TableEntry> table = new ArrayList<>(entries);
        for (int i = 0; i < entries; i++) {
            table.add(TableEntry.read(in));
        }
        byte[] stream = new byte[checkCount(in.readInt(), body.length)];
        in.readFully(stream);
        return new Frame(kind, taskId, done, drops, table, stream);
    }

    private static void writeIds(DataOutputStream out, long[] ids) throws IOException {
        out.writeInt(ids.length);
        for (long id : ids) {
            out.writeLong(id);
        }
    }

    private static long[] readIds(DataInputStream in) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > 1 << 20) {
            throw new IOException("corrupt frame: " + count + " block ids");
        }
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            ids[i] = in.readLong();
        }
        return ids;
    }

    private static int checkCount(int count, int frameLength) throws IOException {
        if (count < 0 || count > frameLength) {
            throw new IOException("corrupt frame: count " + count + " in a frame of " + frameLength + " bytes");
        }
        return count;
    }
}
