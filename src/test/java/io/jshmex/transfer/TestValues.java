package io.jshmex.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Deterministic arrays and buffers of every element type, in every shape a caller may hand over,
 * and the checks that what arrived is equal to what was sent. Values depend on a seed, so that a
 * receiver that saw a stale or foreign block would notice.
 */
final class TestValues {
    private TestValues() {
    }

    /** The primitive array types. */
    enum ArrayType {
        BYTE(1), SHORT(2), CHAR(2), INT(4), LONG(8), FLOAT(4), DOUBLE(8), BOOLEAN(1);

        final int size;

        ArrayType(int size) {
            this.size = size;
        }

        /** Elements whose bytes come closest to {@code bytes} without passing it. */
        int lengthFor(long bytes) {
            return (int) (bytes / size);
        }

        /**
         * An array whose elements depend on index and seed; floating types also carry NaN, -0.0
         * and extremes, which only a bit-exact transfer keeps.
         */
        Object filled(int length, int seed) {
            switch (this) {
                case BYTE: {
                    byte[] a = new byte[length];
                    for (int i = 0; i < length; i++) {
                        a[i] = (byte) (i * 31 + seed);
                    }
                    return a;
                }
                case SHORT: {
                    short[] a = new short[length];
                    for (int i = 0; i < length; i++) {
                        a[i] = (short) (i * 7919 + seed);
                    }
                    return a;
                }
                case CHAR: {
                    char[] a = new char[length];
                    for (int i = 0; i < length; i++) {
                        a[i] = (char) (i * 40503 + seed);
                    }
                    return a;
                }
                case INT: {
                    int[] a = new int[length];
                    for (int i = 0; i < length; i++) {
                        a[i] = i * 0x9E3779B1 + seed;
                    }
                    return a;
                }
                case LONG: {
                    long[] a = new long[length];
                    for (int i = 0; i < length; i++) {
                        a[i] = i * 0x9E3779B97F4A7C15L + seed;
                    }
                    return a;
                }
                case FLOAT: {
                    float[] a = new float[length];
                    for (int i = 0; i < length; i++) {
                        a[i] = special(i) ? (float) specialValue(i) : i * 0.25f + seed;
                    }
                    return a;
                }
                case DOUBLE: {
                    double[] a = new double[length];
                    for (int i = 0; i < length; i++) {
                        a[i] = special(i) ? specialValue(i) : i * 0.5 + seed;
                    }
                    return a;
                }
                default: {
                    boolean[] a = new boolean[length];
                    for (int i = 0; i < length; i++) {
                        a[i] = (i + seed) % 3 == 0;
                    }
                    return a;
                }
            }
        }

        static ArrayType of(Object array) {
            for (ArrayType type : values()) {
                if (type.filled(0, 0).getClass() == array.getClass()) {
                    return type;
                }
            }
            throw new IllegalArgumentException(array.getClass().getName());
        }
    }

    private static boolean special(int i) {
        return i % 997 < 5;
    }

    private static double specialValue(int i) {
        switch (i % 997) {
            case 0:
                return Double.NaN;
            case 1:
                return -0.0;
            case 2:
                return Double.NEGATIVE_INFINITY;
            case 3:
                return Double.MIN_VALUE;
            default:
                return -Double.MAX_VALUE;
        }
    }

    /** The buffer types. */
    enum BufferType {
        BYTE(1), SHORT(2), CHAR(2), INT(4), LONG(8), FLOAT(4), DOUBLE(8);

        final int size;

        BufferType(int size) {
            this.size = size;
        }

        Buffer heap(int n) {
            switch (this) {
                case BYTE:
                    return ByteBuffer.allocate(n);
                case SHORT:
                    return ShortBuffer.allocate(n);
                case CHAR:
                    return CharBuffer.allocate(n);
                case INT:
                    return IntBuffer.allocate(n);
                case LONG:
                    return LongBuffer.allocate(n);
                case FLOAT:
                    return FloatBuffer.allocate(n);
                default:
                    return DoubleBuffer.allocate(n);
            }
        }

        /** This type's view of {@code bytes}, in its order; byte buffers are their own view. */
        Buffer view(ByteBuffer bytes) {
            switch (this) {
                case BYTE:
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

        /** Element {@code i} of a buffer filled with {@code seed}. */
        void put(Buffer buffer, int i, int seed) {
            switch (this) {
                case BYTE:
                    ((ByteBuffer) buffer).put(i, (byte) (i * 31 + seed));
                    break;
                case SHORT:
                    ((ShortBuffer) buffer).put(i, (short) (i * 7919 + seed));
                    break;
                case CHAR:
                    ((CharBuffer) buffer).put(i, (char) (i * 40503 + seed));
                    break;
                case INT:
                    ((IntBuffer) buffer).put(i, i * 0x9E3779B1 + seed);
                    break;
                case LONG:
                    ((LongBuffer) buffer).put(i, i * 0x9E3779B97F4A7C15L + seed);
                    break;
                case FLOAT:
                    ((FloatBuffer) buffer).put(i, special(i) ? (float) specialValue(i) : i * 0.25f + seed);
                    break;
                default:
                    ((DoubleBuffer) buffer).put(i, special(i) ? specialValue(i) : i * 0.5 + seed);
            }
        }

        /** Element {@code i} widened to a double, for spot checks. */
        double get(Buffer buffer, int i) {
            switch (this) {
                case BYTE:
                    return ((ByteBuffer) buffer).get(i);
                case SHORT:
                    return ((ShortBuffer) buffer).get(i);
                case CHAR:
                    return ((CharBuffer) buffer).get(i);
                case INT:
                    return ((IntBuffer) buffer).get(i);
                case LONG:
                    return ((LongBuffer) buffer).get(i);
                case FLOAT:
                    return ((FloatBuffer) buffer).get(i);
                default:
                    return ((DoubleBuffer) buffer).get(i);
            }
        }

        void fill(Buffer buffer, int seed) {
            for (int i = 0; i < buffer.capacity(); i++) {
                put(buffer, i, seed);
            }
        }
    }

    /** The shapes a buffer can come in. */
    enum Shape {
        HEAP,
        DIRECT,
        READ_ONLY_HEAP,
        READ_ONLY_DIRECT,
        SLICED_HEAP,
        SLICED_DIRECT,
        ODD_POSITION_AND_LIMIT_HEAP,
        ODD_POSITION_AND_LIMIT_DIRECT,
        /** A big-endian byte buffer, or a typed view of one. */
        BIG_ENDIAN_HEAP,
        BIG_ENDIAN_DIRECT,
        /** A little-endian byte buffer, or a typed view of one. */
        LITTLE_ENDIAN_HEAP,
        LITTLE_ENDIAN_DIRECT,
        /** A view starting one byte into its storage, so its elements are not aligned. */
        MISALIGNED_DIRECT,
        READ_ONLY_SLICED_BIG_ENDIAN_DIRECT_WITH_POSITION;

        /** A filled buffer of exactly {@code n} elements in this shape. */
        Buffer make(BufferType type, int n, int seed) {
            Buffer buffer;
            switch (this) {
                case HEAP:
                case READ_ONLY_HEAP:
                case ODD_POSITION_AND_LIMIT_HEAP:
                    buffer = type.heap(n);
                    break;
                case DIRECT:
                case READ_ONLY_DIRECT:
                case ODD_POSITION_AND_LIMIT_DIRECT:
                    buffer = type.view(ByteBuffer.allocateDirect(n * type.size).order(ByteOrder.nativeOrder()));
                    break;
                case SLICED_HEAP:
                    buffer = type.heap(n + 8).position(3).limit(n + 3);
                    buffer = buffer.slice();
                    break;
                case SLICED_DIRECT:
                    buffer = type.view(ByteBuffer.allocateDirect((n + 8) * type.size).order(ByteOrder.nativeOrder()))
                        .position(5).limit(n + 5);
                    buffer = buffer.slice();
                    break;
                case BIG_ENDIAN_HEAP:
                    buffer = type.view(ByteBuffer.allocate(n * type.size).order(ByteOrder.BIG_ENDIAN));
                    break;
                case BIG_ENDIAN_DIRECT:
                    buffer = type.view(ByteBuffer.allocateDirect(n * type.size).order(ByteOrder.BIG_ENDIAN));
                    break;
                case LITTLE_ENDIAN_HEAP:
                    buffer = type.view(ByteBuffer.allocate(n * type.size).order(ByteOrder.LITTLE_ENDIAN));
                    break;
                case LITTLE_ENDIAN_DIRECT:
                    buffer = type.view(ByteBuffer.allocateDirect(n * type.size).order(ByteOrder.LITTLE_ENDIAN));
                    break;
                case MISALIGNED_DIRECT: {
                    ByteBuffer storage = ByteBuffer.allocateDirect(n * type.size + 1).order(ByteOrder.nativeOrder());
                    storage.position(1);
                    buffer = type.view(storage.slice().order(ByteOrder.nativeOrder()));
                    break;
                }
                default: {
                    ByteBuffer storage = ByteBuffer.allocateDirect((n + 4) * type.size).order(ByteOrder.BIG_ENDIAN);
                    buffer = type.view(storage).position(2).limit(n + 2);
                    buffer = buffer.slice();
                    break;
                }
            }
            assertEquals(n, buffer.capacity(), "test setup: " + this + " " + type);
            type.fill(buffer, seed);
            if (this == ODD_POSITION_AND_LIMIT_HEAP || this == ODD_POSITION_AND_LIMIT_DIRECT
                || this == READ_ONLY_SLICED_BIG_ENDIAN_DIRECT_WITH_POSITION) {
                buffer.limit(Math.max(0, n - 2)).position(Math.min(1, Math.max(0, n - 2)));
            }
            if (this == READ_ONLY_HEAP || this == READ_ONLY_DIRECT || this == READ_ONLY_SLICED_BIG_ENDIAN_DIRECT_WITH_POSITION) {
                buffer = readOnly(buffer);
            }
            return buffer;
        }
    }

    static Buffer readOnly(Buffer buffer) {
        if (buffer instanceof ByteBuffer) {
            ByteBuffer bytes = (ByteBuffer) buffer;
            return bytes.asReadOnlyBuffer().order(bytes.order());
        }
        return Shapes.readOnly(buffer);
    }

    static ByteOrder order(Buffer buffer) {
        return ValueKind.order(buffer);
    }

    /** All of a buffer's elements, whatever its position and limit. */
    static Buffer whole(Buffer buffer) {
        return buffer.duplicate().clear();
    }

    /**
     * What arrived equals what was sent: same class of contents, elements, position, limit,
     * capacity, read-only flag and byte order; and it is another object.
     */
    static void assertSameBuffer(Buffer sent, Object arrived, String what) {
        assertTrue(arrived instanceof Buffer, what + ": arrived as " + (arrived == null ? null : arrived.getClass()));
        Buffer got = (Buffer) arrived;
        assertNotSame(sent, got, what + ": the receiver got the sender's own object");
        assertEquals(bufferTypeOf(sent), bufferTypeOf(got), what + ": buffer type");
        assertEquals(sent.capacity(), got.capacity(), what + ": capacity");
        assertEquals(sent.position(), got.position(), what + ": position");
        assertEquals(sent.limit(), got.limit(), what + ": limit");
        assertEquals(sent.isReadOnly(), got.isReadOnly(), what + ": read-only");
        assertEquals(order(sent), order(got), what + ": byte order");
        assertEquals(sent, got, what + ": remaining elements");
        assertEquals(whole(sent), whole(got), what + ": all elements");
    }

    static BufferType bufferTypeOf(Buffer buffer) {
        if (buffer instanceof ByteBuffer) {
            return BufferType.BYTE;
        } else if (buffer instanceof ShortBuffer) {
            return BufferType.SHORT;
        } else if (buffer instanceof CharBuffer) {
            return BufferType.CHAR;
        } else if (buffer instanceof IntBuffer) {
            return BufferType.INT;
        } else if (buffer instanceof LongBuffer) {
            return BufferType.LONG;
        } else if (buffer instanceof FloatBuffer) {
            return BufferType.FLOAT;
        }
        return BufferType.DOUBLE;
    }

    /** Same array class, length and elements (bit-exact for floating types), another object. */
    static void assertSameArray(Object sent, Object arrived, String what) {
        if (arrived == null || arrived.getClass() != sent.getClass()) {
            fail(what + ": sent " + sent.getClass().getSimpleName() + ", arrived "
                + (arrived == null ? null : arrived.getClass().getSimpleName()));
        }
        assertNotSame(sent, arrived, what + ": the receiver got the sender's own array");
        assertEquals(Array.getLength(sent), Array.getLength(arrived), what + ": length");
        if (!Arrays.deepEquals(new Object[] {sent}, new Object[] {arrived})) {
            fail(what + ": contents differ, first at index " + firstDifference(sent, arrived));
        }
    }

    /**
     * Equal graphs: primitive arrays and buffers as above, maps, lists, object arrays, records
     * and other objects (field by field) recursively.
     */
    static void assertDeepEqual(Object sent, Object arrived, String path) {
        if (sent == null) {
            assertEquals(null, arrived, path);
        } else if (sent.getClass().isArray() && sent.getClass().getComponentType().isPrimitive()) {
            assertSameArray(sent, arrived, path);
        } else if (sent instanceof Buffer) {
            assertSameBuffer((Buffer) sent, arrived, path);
        } else if (sent instanceof Object[]) {
            assertEquals(sent.getClass(), arrived.getClass(), path);
            Object[] a = (Object[]) sent;
            Object[] b = (Object[]) arrived;
            assertEquals(a.length, b.length, path + ".length");
            for (int i = 0; i < a.length; i++) {
                assertDeepEqual(a[i], b[i], path + "[" + i + "]");
            }
        } else if (sent instanceof Map) {
            Map<?, ?> a = (Map<?, ?>) sent;
            assertTrue(arrived instanceof Map, path + " arrived as " + arrived.getClass());
            Map<?, ?> b = (Map<?, ?>) arrived;
            assertEquals(a.keySet(), b.keySet(), path + " keys");
            for (Object key : a.keySet()) {
                assertDeepEqual(a.get(key), b.get(key), path + "[" + key + "]");
            }
        } else if (sent instanceof List) {
            List<?> a = (List<?>) sent;
            assertTrue(arrived instanceof List, path + " arrived as " + arrived.getClass());
            List<?> b = (List<?>) arrived;
            assertEquals(a.size(), b.size(), path + ".size()");
            for (int i = 0; i < a.size(); i++) {
                assertDeepEqual(a.get(i), b.get(i), path + ".get(" + i + ")");
            }
        } else if (sent instanceof String || sent instanceof Number || sent instanceof Boolean || sent instanceof Enum) {
            assertEquals(sent, arrived, path);
        } else {
            assertEquals(sent.getClass(), arrived.getClass(), path);
            for (Class<?> c = sent.getClass(); c != Object.class && c != Record.class; c = c.getSuperclass()) {
                for (Field field : c.getDeclaredFields()) {
                    if (Modifier.isStatic(field.getModifiers())) {
                        continue;
                    }
                    field.setAccessible(true);
                    try {
                        assertDeepEqual(field.get(sent), field.get(arrived), path + "." + field.getName());
                    } catch (IllegalAccessException e) {
                        throw new AssertionError(e);
                    }
                }
            }
        }
    }

    private static int firstDifference(Object a, Object b) {
        for (int i = 0; i < Array.getLength(a); i++) {
            if (!Array.get(a, i).equals(Array.get(b, i))) {
                return i;
            }
        }
        return -1;
    }
}
