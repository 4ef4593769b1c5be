package io.jshmex.transfer;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;

/** Gives a rebuilt buffer the shape of the original: position, limit, read-only. */
final class Shapes {
    private Shapes() {
    }

    static Buffer shape(Buffer buffer, int capacity, int position, int limit, boolean readOnly) {
        if (buffer.capacity() != capacity) {
            throw new IllegalStateException("rebuilt buffer has capacity " + buffer.capacity() + ", expected " + capacity);
        }
        buffer.limit(limit).position(position);
        return readOnly ? readOnly(buffer) : buffer;
    }

    static Buffer readOnly(Buffer buffer) {
        if (buffer instanceof ByteBuffer) {
            ByteBuffer bytes = (ByteBuffer) buffer;
            return bytes.asReadOnlyBuffer().order(bytes.order());
        } else if (buffer instanceof CharBuffer) {
            return ((CharBuffer) buffer).asReadOnlyBuffer();
        } else if (buffer instanceof ShortBuffer) {
            return ((ShortBuffer) buffer).asReadOnlyBuffer();
        } else if (buffer instanceof IntBuffer) {
            return ((IntBuffer) buffer).asReadOnlyBuffer();
        } else if (buffer instanceof LongBuffer) {
            return ((LongBuffer) buffer).asReadOnlyBuffer();
        } else if (buffer instanceof FloatBuffer) {
            return ((FloatBuffer) buffer).asReadOnlyBuffer();
        }
        return ((DoubleBuffer) buffer).asReadOnlyBuffer();
    }

    /**
     * A plain heap buffer (with an accessible array, like {@code DoubleBuffer.allocate}) holding
     * the view's elements, when the order allows one; otherwise the view itself.
     */
    static Buffer heapCopy(ValueKind kind, Buffer view, ByteOrder order) {
        if (order != ByteOrder.nativeOrder()) {
            return view;
        }
        int capacity = view.capacity();
        switch (kind) {
            case SHORT:
                return ShortBuffer.allocate(capacity).put((ShortBuffer) view).clear();
            case CHAR:
                return CharBuffer.allocate(capacity).put((CharBuffer) view).clear();
            case INT:
                return IntBuffer.allocate(capacity).put((IntBuffer) view).clear();
            case LONG:
                return LongBuffer.allocate(capacity).put((LongBuffer) view).clear();
            case FLOAT:
                return FloatBuffer.allocate(capacity).put((FloatBuffer) view).clear();
            case DOUBLE:
                return DoubleBuffer.allocate(capacity).put((DoubleBuffer) view).clear();
            default:
                return view;
        }
    }
}
