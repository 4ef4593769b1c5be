package io.jshmex.transfer;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;

/** A buffer over a heap array, for values too large for one direct view (over 2 GiB). */
final class HeapBuffers {
    private HeapBuffers() {
    }

    static Buffer wrap(ValueKind kind, Object array, SharedRef ref) {
        Buffer buffer;
        switch (kind) {
            case SHORT:
                buffer = ShortBuffer.wrap((short[]) array);
                break;
            case CHAR:
                buffer = CharBuffer.wrap((char[]) array);
                break;
            case INT:
                buffer = IntBuffer.wrap((int[]) array);
                break;
            case LONG:
                buffer = LongBuffer.wrap((long[]) array);
                break;
            case FLOAT:
                buffer = FloatBuffer.wrap((float[]) array);
                break;
            case DOUBLE:
                buffer = DoubleBuffer.wrap((double[]) array);
                break;
            default:
                buffer = ByteBuffer.wrap((byte[]) array);
        }
        return Shapes.shape(buffer, ref.length, ref.position, ref.limit, ref.readOnly);
    }
}
