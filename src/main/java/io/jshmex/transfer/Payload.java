package io.jshmex.transfer;

import io.jshmex.shm.Mapping;
import java.util.List;

/**
 * An object graph encoded for the channel: the object-stream bytes, with each large array or
 * buffer replaced by a {@link SharedRef}, and those values themselves, still to be put into
 * shared memory when the message is sent ({@link TransferLink#stage}). Holding the payload keeps
 * the values (and so any user segment they live in) reachable.
 */
public final class Payload {
    final byte[] stream;
    final List<Object> values;
    final List<SharedRef> refs;
    /** For each value: the mapping it already lives in (sent by reference), or null (copied). */
    final List<Mapping> homes;

    Payload(byte[] stream, List<Object> values, List<SharedRef> refs, List<Mapping> homes) {
        this.stream = stream;
        this.values = values;
        this.refs = refs;
        this.homes = homes;
    }

    /** The object stream itself. */
    public byte[] stream() {
        return stream;
    }

    /** Bytes of the object stream (what goes through the channel, beside the segment table). */
    public int streamBytes() {
        return stream.length;
    }

    /** How many values go through shared memory. */
    public int sharedValues() {
        return values.size();
    }
}
