package io.jshmex.transfer;

import io.jshmex.shm.SegmentDescriptor;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;

/**
 * The primitive element types that can travel through shared memory, and how to copy each kind
 * of array and buffer in and out of a native-order byte window. One table, so that every type is
 * handled the same way.
 */
enum ValueKind {
    BYTE(SegmentDescriptor.TYPE_BYTE, byte[].class, ByteBuffer.class),
    SHORT(SegmentDescriptor.TYPE_SHORT, short[].class, ShortBuffer.class),
    CHAR(SegmentDescriptor.TYPE_CHAR, char[].class, CharBuffer.class),
    INT(SegmentDescriptor.TYPE_INT, int[].class, IntBuffer.class),
    LONG(SegmentDescriptor.TYPE_LONG, long[].class, LongBuffer.class),
    FLOAT(SegmentDescriptor.TYPE_FLOAT, float[].class, FloatBuffer.class),
    DOUBLE(SegmentDescriptor.TYPE_DOUBLE, double[].class, DoubleBuffer.class),
    BOOLEAN(SegmentDescriptor.TYPE_BOOLEAN, boolean[].class, null);

    private static final ValueKind[] BY_TYPE = new ValueKind[16];

    static {
        for (ValueKind kind : values()) {
            BY_TYPE[kind.type] = kind;
        }
    }

    final int type;
    final int size;
    final Class<?> arrayClass;
    final Class<? extends Buffer> bufferClass;

    ValueKind(int type, Class<?> arrayClass, Class<? extends Buffer> bufferClass) {
        this.type = type;
        this.size = SegmentDescriptor.elementSize(type);
        this.arrayClass = arrayClass;
        this.bufferClass = bufferClass;
    }

    static ValueKind ofType(int type) {
        ValueKind kind = type >= 0 && type < BY_TYPE.length ? BY_TYPE[type] : null;
        if (kind == null) {
            throw new IllegalArgumentException("unknown element type " + type);
        }
        return kind;
    }

    /** The kind of a primitive array, or null if {@code value} is not one. */
    static ValueKind ofArray(Object value) {
        Class<?> c = value.getClass();
        if (!c.isArray() || !c.getComponentType().isPrimitive()) {
            return null;
        }
        for (ValueKind kind : values()) {
            if (kind.arrayClass == c) {
                return kind;
            }
        }
        return null;
    }

    static ValueKind ofBuffer(Buffer buffer) {
        for (ValueKind kind : values()) {
            if (kind.bufferClass != null && kind.bufferClass.isInstance(buffer)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unsupported buffer type " + buffer.getClass().getName());
    }

    static int arrayLength(Object array) {
        return java.lang.reflect.Array.getLength(array);
    }

    /** Byte order of a buffer's elements (byte buffers: their declared order). */
    static ByteOrder order(Buffer buffer) {
        if (buffer instanceof ByteBuffer) {
            return ((ByteBuffer) buffer).order();
        } else if (buffer instanceof CharBuffer) {
            return ((CharBuffer) buffer).order();
        } else if (buffer instanceof ShortBuffer) {
            return ((ShortBuffer) buffer).order();
        } else if (buffer instanceof IntBuffer) {
            return ((IntBuffer) buffer).order();
        } else if (buffer instanceof LongBuffer) {
            return ((LongBuffer) buffer).order();
        } else if (buffer instanceof FloatBuffer) {
            return ((FloatBuffer) buffer).order();
        }
        return ((DoubleBuffer) buffer).order();
    }

    /** A typed view of {@code bytes} (whose order is already set) for this kind. */
    Buffer typedView(ByteBuffer bytes) {
        switch (this) {
            case BYTE:
            case BOOLEAN:
                return bytes;
            case SHORT:
                return bytes.asShortBuffer();
            case CHAR:
                return bytes.asCharBuffer();
            case INT:
                return bytes.asIntBuffer();
            case LONG:
                return bytes.asLongBuffer();
            case FLOAT:
                return bytes.asFloatBuffer();
            default:
                return bytes.asDoubleBuffer();
        }
    }

    /** Copies {@code array[from, from + count)} into {@code window} (native order). */
    void putArray(ByteBuffer window, Object array, int from, int count) {
        switch (this) {
            case BYTE:
                window.put((byte[]) array, from, count);
                break;
            case SHORT:
                window.asShortBuffer().put((short[]) array, from, count);
                break;
            case CHAR:
                window.asCharBuffer().put((char[]) array, from, count);
                break;
            case INT:
                window.asIntBuffer().put((int[]) array, from, count);
                break;
            case LONG:
                window.asLongBuffer().put((long[]) array, from, count);
                break;
            case FLOAT:
                window.asFloatBuffer().put((float[]) array, from, count);
                break;
            case DOUBLE:
                window.asDoubleBuffer().put((double[]) array, from, count);
                break;
            default:
                boolean[] booleans = (boolean[]) array;
                for (int i = 0; i < count; i++) {
                    window.put(i, booleans[from + i] ? (byte) 1 : (byte) 0);
                }
        }
    }

    /** Copies {@code count} elements from {@code window} into {@code array[from...]}. */
    void getArray(ByteBuffer window, Object array, int from, int count) {
        switch (this) {
            case BYTE:
                window.get((byte[]) array, from, count);
                break;
            case SHORT:
                window.asShortBuffer().get((short[]) array, from, count);
                break;
            case CHAR:
                window.asCharBuffer().get((char[]) array, from, count);
                break;
            case INT:
                window.asIntBuffer().get((int[]) array, from, count);
                break;
            case LONG:
                window.asLongBuffer().get((long[]) array, from, count);
                break;
            case FLOAT:
                window.asFloatBuffer().get((float[]) array, from, count);
                break;
            case DOUBLE:
                window.asDoubleBuffer().get((double[]) array, from, count);
                break;
            default:
                boolean[] booleans = (boolean[]) array;
                for (int i = 0; i < count; i++) {
                    booleans[from + i] = window.get(i) != 0;
                }
        }
    }

    Object newArray(int length) {
        return java.lang.reflect.Array.newInstance(arrayClass.getComponentType(), length);
    }

    /** Copies elements {@code [from, from + count)} of {@code source} into {@code window}, keeping its byte order. */
    void putBuffer(ByteBuffer window, Buffer source, int from, int count) {
        Buffer src = duplicate(source);
        src.limit(from + count).position(from);
        ByteBuffer target = window.order(order(source));
        switch (this) {
            case BYTE:
                target.put((ByteBuffer) src);
                break;
            case SHORT:
                target.asShortBuffer().put((ShortBuffer) src);
                break;
            case CHAR:
                target.asCharBuffer().put((CharBuffer) src);
                break;
            case INT:
                target.asIntBuffer().put((IntBuffer) src);
                break;
            case LONG:
                target.asLongBuffer().put((LongBuffer) src);
                break;
            case FLOAT:
                target.asFloatBuffer().put((FloatBuffer) src);
                break;
            default:
                target.asDoubleBuffer().put((DoubleBuffer) src);
        }
    }

    /** A duplicate of any buffer (Buffer.duplicate() is Java 9+, typed). */
    static Buffer duplicate(Buffer buffer) {
        return buffer.duplicate();
    }
}
