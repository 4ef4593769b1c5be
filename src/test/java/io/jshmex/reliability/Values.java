package io.jshmex.reliability;

import io.jshmex.NativeShm;
import java.io.Serializable;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.Random;

/**
 * Values of every primitive type, as arrays and as buffers (heap, direct, either byte order,
 * NativeShm), filled from a seed, with a checksum over their elements that both sides compute the
 * same way: the stress test compares the parent's checksum, the worker's, and that of what came
 * back.
 */
final class Values {
    static final int KINDS = 17;

    private Values() {
    }

    /** A value of kind {@code kind} of about {@code bytes} bytes. */
    static Object make(int kind, int bytes, long seed) {
        switch (kind) {
            case 0: {
                double[] a = new double[bytes / 8];
                for (int i = 0; i < a.length; i++) {
                    a[i] = bits(seed, i) * 0x1p-20;
                }
                return a;
            }
            case 1: {
                float[] a = new float[bytes / 4];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) (bits(seed, i) & 0xFFFFFF);
                }
                return a;
            }
            case 2: {
                long[] a = new long[bytes / 8];
                for (int i = 0; i < a.length; i++) {
                    a[i] = bits(seed, i);
                }
                return a;
            }
            case 3: {
                int[] a = new int[bytes / 4];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (int) bits(seed, i);
                }
                return a;
            }
            case 4: {
                short[] a = new short[bytes / 2];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (short) bits(seed, i);
                }
                return a;
            }
            case 5: {
                char[] a = new char[bytes / 2];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (char) bits(seed, i);
                }
                return a;
            }
            case 6: {
                byte[] a = new byte[bytes];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (byte) bits(seed, i);
                }
                return a;
            }
            case 7: {
                boolean[] a = new boolean[bytes];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (bits(seed, i) & 1) == 1;
                }
                return a;
            }
            case 8:
                return DoubleBuffer.wrap((double[]) make(0, bytes, seed));
            case 9:
                return direct(bytes, seed, ByteOrder.BIG_ENDIAN).asLongBuffer();
            case 10:
                return direct(bytes, seed, ByteOrder.LITTLE_ENDIAN).asIntBuffer();
            case 11:
                return direct(bytes, seed, ByteOrder.BIG_ENDIAN);
            case 12:
                return FloatBuffer.wrap((float[]) make(1, bytes, seed));
            case 13: {
                // a window into a larger buffer: position and limit must come back as they were
                ShortBuffer b = ShortBuffer.wrap((short[]) make(4, bytes, seed));
                return b.position(b.capacity() / 4).limit(b.capacity() / 2);
            }
            case 14: {
                DoubleBuffer b = NativeShm.doubles(bytes / 8);
                for (int i = 0; i < b.capacity(); i++) {
                    b.put(i, bits(seed, i) * 0x1p-20);
                }
                return b;
            }
            case 15: {
                IntBuffer b = NativeShm.ints(bytes / 4);
                for (int i = 0; i < b.capacity(); i++) {
                    b.put(i, (int) bits(seed, i));
                }
                return b;
            }
            default:
                return CharBuffer.wrap((char[]) make(5, bytes, seed)).asReadOnlyBuffer();
        }
    }

    private static ByteBuffer direct(int bytes, long seed, ByteOrder order) {
        ByteBuffer b = ByteBuffer.allocateDirect(bytes / 8 * 8).order(order);
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (byte) bits(seed, i));
        }
        return b;
    }

    static long bits(long seed, long i) {
        long x = seed + i * 0x9E3779B97F4A7C15L;
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        return x ^ (x >>> 31);
    }

    /**
     * A checksum over every element; of a buffer, the whole capacity whatever its window (a
     * duplicate with its limit cleared, since absolute gets stop at the limit).
     */
    static long checksum(Object value) {
        long h = 0xcbf29ce484222325L;
        if (value instanceof double[]) {
            for (double v : (double[]) value) {
                h = (h ^ Double.doubleToRawLongBits(v)) * 0x100000001b3L;
            }
        } else if (value instanceof float[]) {
            for (float v : (float[]) value) {
                h = (h ^ Float.floatToRawIntBits(v)) * 0x100000001b3L;
            }
        } else if (value instanceof long[]) {
            for (long v : (long[]) value) {
                h = (h ^ v) * 0x100000001b3L;
            }
        } else if (value instanceof int[]) {
            for (int v : (int[]) value) {
                h = (h ^ v) * 0x100000001b3L;
            }
        } else if (value instanceof short[]) {
            for (short v : (short[]) value) {
                h = (h ^ v) * 0x100000001b3L;
            }
        } else if (value instanceof char[]) {
            for (char v : (char[]) value) {
                h = (h ^ v) * 0x100000001b3L;
            }
        } else if (value instanceof byte[]) {
            for (byte v : (byte[]) value) {
                h = (h ^ v) * 0x100000001b3L;
            }
        } else if (value instanceof boolean[]) {
            for (boolean v : (boolean[]) value) {
                h = (h ^ (v ? 1 : 2)) * 0x100000001b3L;
            }
        } else if (value instanceof DoubleBuffer) {
            DoubleBuffer b = ((DoubleBuffer) value).duplicate().clear();
            for (int i = 0; i < b.capacity(); i++) {
                h = (h ^ Double.doubleToRawLongBits(b.get(i))) * 0x100000001b3L;
            }
        } else if (value instanceof FloatBuffer) {
            FloatBuffer b = ((FloatBuffer) value).duplicate().clear();
            for (int i = 0; i < b.capacity(); i++) {
                h = (h ^ Float.floatToRawIntBits(b.get(i))) * 0x100000001b3L;
            }
        } else if (value instanceof LongBuffer) {
            LongBuffer b = ((LongBuffer) value).duplicate().clear();
            for (int i = 0; i < b.capacity(); i++) {
                h = (h ^ b.get(i)) * 0x100000001b3L;
            }
        } else if (value instanceof IntBuffer) {
            IntBuffer b = ((IntBuffer) value).duplicate().clear();
            for (int i = 0; i < b.capacity(); i++) {
                h = (h ^ b.get(i)) * 0x100000001b3L;
            }
        } else if (value instanceof ShortBuffer) {
            ShortBuffer b = ((ShortBuffer) value).duplicate().clear();
            for (int i = 0; i < b.capacity(); i++) {
                h = (h ^ b.get(i)) * 0x100000001b3L;
            }
        } else if (value instanceof CharBuffer) {
            CharBuffer b = ((CharBuffer) value).duplicate().clear();
            for (int i = 0; i < b.capacity(); i++) {
                h = (h ^ b.get(i)) * 0x100000001b3L;
            }
        } else if (value instanceof ByteBuffer) {
            ByteBuffer b = ((ByteBuffer) value).duplicate().clear();
            for (int i = 0; i < b.capacity(); i++) {
                h = (h ^ b.get(i)) * 0x100000001b3L;
            }
        } else {
            throw new IllegalArgumentException("no checksum for " + value);
        }
        return h;
    }

    /** Type, length, window, order and read-only flag: what must arrive unchanged besides the elements. */
    static String shape(Object value) {
        if (value instanceof Buffer) {
            Buffer b = (Buffer) value;
            String order = value instanceof ByteBuffer ? ((ByteBuffer) value).order().toString() : orderOf(b);
            return kindOf(b) + "[" + b.capacity() + "] " + b.position() + ".." + b.limit() + " " + order
                + (b.isReadOnly() ? " ro" : "");
        }
        return value.getClass().getSimpleName() + "[" + java.lang.reflect.Array.getLength(value) + "]";
    }

    private static String kindOf(Buffer b) {
        for (Class<?> type : new Class<?>[] {DoubleBuffer.class, FloatBuffer.class, LongBuffer.class, IntBuffer.class,
            ShortBuffer.class, CharBuffer.class, ByteBuffer.class}) {
            if (type.isInstance(b)) {
                return type.getSimpleName();
            }
        }
        return b.getClass().getName();
    }

    private static String orderOf(Buffer b) {
        try {
            return String.valueOf(b.getClass().getMethod("order").invoke(b));
        } catch (ReflectiveOperationException e) {
            return "?";
        }
    }

    /** What the worker sends back: its own checksum and shape of the argument, and the argument itself. */
    record Echo(long checksum, String shape, Object value) implements Serializable {
    }

    /** Runs in the worker. */
    static Echo echo(Object value) {
        return new Echo(checksum(value), shape(value), value);
    }

    static int randomBytes(Random random) {
        // a third small enough to go inline, the rest up to 10 MB through shared memory
        return random.nextInt(3) == 0 ? random.nextInt(64 * 1024) : random.nextInt(10 << 20);
    }
}
