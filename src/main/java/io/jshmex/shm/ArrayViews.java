package io.jshmex.shm;

import java.nio.ByteBuffer;

/**
 * The JDK's own copy between a primitive array and native memory, through a typed view of the
 * memory: how {@link Mapping#copyFromArray} copies unless heap arrays are pinned for a native
 * copy ({@link Shm#PINNED_COPIES}).
 */
final class ArrayViews {
    private ArrayViews() {
    }

    /**
     * Copies {@code bytes} bytes between {@code window} (native order) and {@code array} from its
     * byte {@code arrayOffset} on, both in whole elements ({@link #checkWholeElements}): into the
     * array with {@code intoArray}.
     */
    static void copy(boolean intoArray, ByteBuffer window, Object array, long arrayOffset, long bytes) {
        int size = elementSize(array);
        int from = Math.toIntExact(arrayOffset / size);
        int count = Math.toIntExact(bytes / size);
        if (array instanceof double[]) {
            if (intoArray) {
                window.asDoubleBuffer().get((double[]) array, from, count);
            } else {
                window.asDoubleBuffer().put((double[]) array, from, count);
            }
        } else if (array instanceof long[]) {
            if (intoArray) {
                window.asLongBuffer().get((long[]) array, from, count);
            } else {
                window.asLongBuffer().put((long[]) array, from, count);
            }
        } else if (array instanceof int[]) {
            if (intoArray) {
                window.asIntBuffer().get((int[]) array, from, count);
            } else {
                window.asIntBuffer().put((int[]) array, from, count);
            }
        } else if (array instanceof float[]) {
            if (intoArray) {
                window.asFloatBuffer().get((float[]) array, from, count);
            } else {
                window.asFloatBuffer().put((float[]) array, from, count);
            }
        } else if (array instanceof short[]) {
            if (intoArray) {
                window.asShortBuffer().get((short[]) array, from, count);
            } else {
                window.asShortBuffer().put((short[]) array, from, count);
            }
        } else if (array instanceof char[]) {
            if (intoArray) {
                window.asCharBuffer().get((char[]) array, from, count);
            } else {
                window.asCharBuffer().put((char[]) array, from, count);
            }
        } else if (intoArray) {
            window.get((byte[]) array, from, count);
        } else {
            window.put((byte[]) array, from, count);
        }
    }

    /**
     * @throws IllegalArgumentException if {@code array} is not an array of numbers, or the range
     *     is not in whole elements of it
     */
    static void checkWholeElements(Object array, long arrayOffset, long bytes) {
        int size = elementSize(array);
        if (arrayOffset % size != 0 || bytes % size != 0) {
            throw new IllegalArgumentException("a copy of " + bytes + " bytes at byte " + arrayOffset + " of a "
                + array.getClass().getSimpleName() + " is not in whole elements");
        }
    }

    private static int elementSize(Object array) {
        if (array instanceof double[] || array instanceof long[]) {
            return 8;
        }
        if (array instanceof int[] || array instanceof float[]) {
            return 4;
        }
        if (array instanceof short[] || array instanceof char[]) {
            return 2;
        }
        if (array instanceof byte[]) {
            return 1;
        }
        throw new IllegalArgumentException("not an array of numbers: " + array.getClass().getName());
    }
}
