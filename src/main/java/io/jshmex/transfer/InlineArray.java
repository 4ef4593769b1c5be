package io.jshmex.transfer;

import java.io.InvalidObjectException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A primitive array below the shared-memory threshold, serialized inline as one block of bytes:
 * an object stream writes the elements of a {@code double[]} (or any non-byte array) one at a
 * time, converting each, which costs several times a bulk copy from a few hundred elements on.
 * Byte arrays are written in bulk by the stream itself and booleans are rare: both stay as they
 * are. Sender and receiver share the machine, so the bytes are in its native order.
 */
final class InlineArray implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int elementType;
    private final int length;
    private final byte[] bytes;

    private InlineArray(ValueKind kind, Object array, int length) {
        this.elementType = kind.type;
        this.length = length;
        this.bytes = new byte[length * kind.size];
        kind.putArray(ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()), array, 0, length);
    }

    /** Whether an array of {@code kind} and {@code byteLength} bytes is worth sending this way. */
    static boolean suits(ValueKind kind, long byteLength) {
        return kind != ValueKind.BYTE && kind != ValueKind.BOOLEAN
            && byteLength >= PayloadEncoder.INLINE_BULK_MIN_BYTES && byteLength <= PayloadEncoder.INLINE_BULK_MAX_BYTES;
    }

    static InlineArray of(ValueKind kind, Object array, int length) {
        return new InlineArray(kind, array, length);
    }

    /**
     * The array again, equal to the one sent.
     *
     * @throws InvalidObjectException if the element type or the byte count does not fit the length
     */
    Object toArray() throws InvalidObjectException {
        ValueKind kind;
        try {
            kind = ValueKind.ofType(elementType);
        } catch (IllegalArgumentException e) {
            throw new InvalidObjectException("corrupt inline array: " + e.getMessage());
        }
        if (length < 0 || bytes == null || (long) length * kind.size != bytes.length) {
            throw new InvalidObjectException("corrupt inline array: " + length + " elements of " + kind.size
                + " bytes in " + (bytes == null ? "no" : Integer.toString(bytes.length)) + " bytes");
        }
        Object array = kind.newArray(length);
        kind.getArray(ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()), array, 0, length);
        return array;
    }
}
