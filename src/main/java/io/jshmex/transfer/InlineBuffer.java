package io.jshmex.transfer;

import java.io.Serializable;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A small buffer, serialized inline: buffers are not Serializable, so every buffer below the
 * threshold travels as its bytes plus its shape, and arrives as an equal buffer of the same kind
 * (heap or direct, order, position, limit, read-only).
 */
final class InlineBuffer implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int elementType;
    private final byte[] bytes;
    private final int capacity;
    private final int position;
    private final int limit;
    private final boolean bigEndian;
    private final boolean readOnly;
    private final boolean direct;

    private InlineBuffer(ValueKind kind, Buffer buffer) {
        this.elementType = kind.type;
        this.capacity = buffer.capacity();
        this.position = buffer.position();
        this.limit = buffer.limit();
        this.bigEndian = ValueKind.order(buffer) == ByteOrder.BIG_ENDIAN;
        this.readOnly = buffer.isReadOnly();
        this.direct = buffer.isDirect();
        ByteBuffer copy = ByteBuffer.allocate(capacity * kind.size);
        kind.putBuffer(copy, buffer, 0, capacity);
        this.bytes = copy.array();
    }

    static InlineBuffer of(Buffer buffer) {
        return new InlineBuffer(ValueKind.ofBuffer(buffer), buffer);
    }

    Buffer toBuffer() {
        ValueKind kind = ValueKind.ofType(elementType);
        ByteOrder order = bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        ByteBuffer storage = direct ? ByteBuffer.allocateDirect(bytes.length) : ByteBuffer.allocate(bytes.length);
        storage.put(bytes).clear();
        Buffer buffer = kind.typedView(storage.order(order));
        if (!direct && kind != ValueKind.BYTE && kind != ValueKind.BOOLEAN) {
            buffer = Shapes.heapCopy(kind, buffer, order);
        }
        return Shapes.shape(buffer, capacity, position, limit, readOnly);
    }
}
