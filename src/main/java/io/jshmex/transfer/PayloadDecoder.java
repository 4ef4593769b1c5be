package io.jshmex.transfer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.util.List;

/**
 * The receiving half of the one object stream: swaps each {@link SharedRef} back for an equal
 * array (copied out of shared memory) or a buffer (a view of it), and each {@link InlineBuffer}
 * for its buffer.
 */
final class PayloadDecoder extends ContextObjectInputStream {
    private final TransferLink link;
    private final List<TableEntry> table;
    private final Receipt receipt;
    private final boolean[] resolved;

    private PayloadDecoder(byte[] stream, TransferLink link, List<TableEntry> table, Receipt receipt, boolean[] resolved)
        throws IOException {
        super(new ByteArrayInputStream(stream));
        this.link = link;
        this.table = table;
        this.receipt = receipt;
        this.resolved = resolved;
        enableResolveObject(true);
    }

    static Object decode(byte[] stream, TransferLink link, List<TableEntry> table, Receipt receipt,
                         ObjectInputFilter filter, boolean[] resolved) throws IOException, ClassNotFoundException {
        try (PayloadDecoder decoder = new PayloadDecoder(stream, link, table, receipt, resolved)) {
            if (filter != null) {
                decoder.setObjectInputFilter(filter);
            }
            return decoder.readObject();
        }
    }

    @Override
    protected Object resolveObject(Object obj) throws IOException {
        if (obj instanceof SharedRef) {
            SharedRef ref = (SharedRef) obj;
            if (ref.index < 0 || ref.index >= table.size()) {
                throw new IOException("shared value #" + ref.index + " has no segment table entry");
            }
            if (resolved[ref.index]) {
                throw new IOException("shared value #" + ref.index + " is referred to twice");
            }
            Object value = link.materialize(ref, table.get(ref.index), receipt);
            resolved[ref.index] = true;
            return value;
        }
        if (obj instanceof InlineBuffer) {
            return ((InlineBuffer) obj).toBuffer();
        }
        return obj;
    }
}
