package io.jshmex.transfer;

import io.jshmex.shm.Views;
import java.io.Serializable;

/**
 * What the object stream carries in place of a large array or buffer: the index of its entry in
 * the message's segment table, and the shape needed to rebuild an equal value.
 */
final class SharedRef implements Serializable {
    private static final long serialVersionUID = 1L;

    static final byte ARRAY = 0;
    static final byte BUFFER = 1;
    static final byte RECORDS = 2;

    final int index;
    final byte form;
    final int elementType;
    /** Array length, or buffer capacity, in elements. */
    final int length;
    final int position;
    final int limit;
    final boolean bigEndian;
    final boolean readOnly;
    /** For {@link #RECORDS}: how the rows are packed. */
    final RecordLayout layout;

    SharedRef(int index, byte form, int elementType, int length, int position, int limit, boolean bigEndian,
              boolean readOnly) {
        this(index, form, elementType, length, position, limit, bigEndian, readOnly, null);
    }

    SharedRef(int index, RecordLayout layout, int rows) {
        this(index, RECORDS, 0, rows, 0, rows, false, false, layout);
    }

    private SharedRef(int index, byte form, int elementType, int length, int position, int limit, boolean bigEndian,
                      boolean readOnly, RecordLayout layout) {
        this.index = index;
        this.form = form;
        this.elementType = elementType;
        this.length = length;
        this.position = position;
        this.limit = limit;
        this.bigEndian = bigEndian;
        this.readOnly = readOnly;
        this.layout = layout;
    }

    /**
     * Whether the receiver copies the value out (arrays, records, buffers too large for a view)
     * rather than handing out a view of the block it came in.
     */
    boolean copiedOnReceipt() {
        return form != BUFFER || byteLength() > Views.MAX_VIEW_BYTES;
    }

    /** Bytes the value spans in shared memory. */
    long byteLength() {
        return form == RECORDS ? (long) length * layout.rowBytes : (long) length * ValueKind.ofType(elementType).size;
    }
}
