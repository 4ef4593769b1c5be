package io.jshmex.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectStreamConstants;

/**
 * The receiving half of the one object stream: swaps each {@link SharedRef} back for an equal
 * array (copied out of shared memory) or a buffer (a view of it), each {@link InlineArray} for
 * its array, and each {@link InlineBuffer} for its buffer.
 *
 * <p>A link keeps one decoder for all the messages it receives (see {@link PayloadEncoder} for
 * what a message is); after each one, a reset fed to the stream empties its handle table, so
 * the decoder holds nothing of the values it produced. A decoder that failed is not reused.
 */
final class PayloadDecoder extends ContextObjectInputStream {
    private static final byte[] HEADER = {
        (byte) (ObjectStreamConstants.STREAM_MAGIC >>> 8), (byte) ObjectStreamConstants.STREAM_MAGIC,
        (byte) (ObjectStreamConstants.STREAM_VERSION >>> 8), (byte) ObjectStreamConstants.STREAM_VERSION};
    /** What clears the handle table between messages: a reset, and a null to read past it. */
    private static final byte[] FORGET = {ObjectStreamConstants.TC_RESET, ObjectStreamConstants.TC_NULL};

    private final Feed feed;
    private final TransferLink link;
    private TableUse use;
    private Receipt receipt;

    private PayloadDecoder(Feed feed, TransferLink link) throws IOException {
        super(feed);
        this.feed = feed;
        this.link = link;
        enableResolveObject(true);
    }

    /** A decoder for {@code link}'s messages. */
    static PayloadDecoder open(TransferLink link) throws IOException {
        Feed feed = new Feed();
        feed.next(HEADER);
        return new PayloadDecoder(feed, link);
    }

    /** A decoder for one message, refusing what {@code filter} rejects. */
    static PayloadDecoder open(TransferLink link, ObjectInputFilter filter) throws IOException {
        PayloadDecoder decoder = open(link);
        decoder.setObjectInputFilter(filter);
        return decoder;
    }

    /**
     * Decodes one message.
     *
     * @throws IOException if the stream is corrupt, has bytes past its object, or a value cannot
     *     be materialized; the decoder must not be used again then
     */
    Object decode(byte[] stream, TableUse use, Receipt receipt) throws IOException, ClassNotFoundException {
        this.use = use;
        this.receipt = receipt;
        try {
            feed.next(stream);
            Object graph = readObject();
            if (feed.remaining() != 0) {
                throw new IOException("corrupt message: " + feed.remaining() + " bytes past its object");
            }
            feed.next(FORGET);
            readObject();
            return graph;
        } finally {
            this.use = null;
            this.receipt = null;
        }
    }

    @Override
    protected Object resolveObject(Object obj) throws IOException {
        if (obj instanceof SharedRef) {
            SharedRef ref = (SharedRef) obj;
            Object value = link.materialize(ref, use.entry(ref.index), use, receipt);
            use.resolved(ref.index);
            return value;
        }
        if (obj instanceof InlineArray) {
            return ((InlineArray) obj).toArray();
        }
        if (obj instanceof InlineBuffer) {
            return ((InlineBuffer) obj).toBuffer();
        }
        if (obj instanceof StatelessLambda) {
            return ((StatelessLambda) obj).resolve();
        }
        return obj;
    }

    /** The bytes of the current message; the end of them is the end of the stream. */
    private static final class Feed extends InputStream {
        private byte[] bytes = new byte[0];
        private int at;

        void next(byte[] message) {
            bytes = message;
            at = 0;
        }

        int remaining() {
            return bytes.length - at;
        }

        @Override
        public int read() {
            return at < bytes.length ? bytes[at++] & 0xff : -1;
        }

        @Override
        public int read(byte[] into, int offset, int length) {
            if (length == 0) {
                return 0;
            }
            int n = Math.min(length, bytes.length - at);
            if (n <= 0) {
                return -1;
            }
            System.arraycopy(bytes, at, into, offset, n);
            at += n;
            return n;
        }

        @Override
        public int available() {
            return bytes.length - at;
        }
    }
}
