package io.jshmex.transfer;

import java.io.Serializable;

/**
 * What the object stream carries in place of a large array or buffer: the index of its entry in
 * the message's segment table, and the shape needed to rebuild an equal value.
 */
final class SharedRef implements Serializable {
    private static final long serialVersionUID = 1L;

    static final byte ARRAY = 0;
    static final byte BUFFER = 1;

    final int index;
    final byte form;
    final int elementType;
    /** Array length, or buffer capacity, in elements. */
    final int length;
    final int position;
    final int limit;
    final boolean bigEndian;
    final boolean readOnly;

    SharedRef(int index, byte form, int elementType, int length, int position, int limit, boolean bigEndian,
              boolean readOnly) {
        this.index = index;
        this.form = form;
        this.elementType = elementType;
        this.length = length;
        this.position = position;
        this.limit = limit;
        this.bigEndian = bigEndian;
        this.readOnly = readOnly;
    }
}
