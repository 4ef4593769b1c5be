package io.jshmex.testing;

import io.jshmex.NativeShm;
import io.jshmex.shm.SegmentDescriptor;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;

/** The shm-backed buffers NativeShm hands out, behind one interface so tests can run over all. */
public enum BufferKind {
    DOUBLES(8, SegmentDescriptor.TYPE_DOUBLE) {
        @Override
        public Buffer allocate(int n) {
            return NativeShm.doubles(n);
        }

        @Override
        public double get(Buffer buffer, int index) {
            return ((DoubleBuffer) buffer).get(index);
        }

        @Override
        public void put(Buffer buffer, int index, int value) {
            ((DoubleBuffer) buffer).put(index, value);
        }

        @Override
        public ByteOrder order(Buffer buffer) {
            return ((DoubleBuffer) buffer).order();
        }
    },
    LONGS(8, SegmentDescriptor.TYPE_LONG) {
        @Override
        public Buffer allocate(int n) {
            return NativeShm.longs(n);
        }

        @Override
        public double get(Buffer buffer, int index) {
            return ((LongBuffer) buffer).get(index);
        }

        @Override
        public void put(Buffer buffer, int index, int value) {
            ((LongBuffer) buffer).put(index, value);
        }

        @Override
        public ByteOrder order(Buffer buffer) {
            return ((LongBuffer) buffer).order();
        }
    },
    INTS(4, SegmentDescriptor.TYPE_INT) {
        @Override
        public Buffer allocate(int n) {
            return NativeShm.ints(n);
        }

        @Override
        public double get(Buffer buffer, int index) {
            return ((IntBuffer) buffer).get(index);
        }

        @Override
        public void put(Buffer buffer, int index, int value) {
            ((IntBuffer) buffer).put(index, value);
        }

        @Override
        public ByteOrder order(Buffer buffer) {
            return ((IntBuffer) buffer).order();
        }
    },
    FLOATS(4, SegmentDescriptor.TYPE_FLOAT) {
        @Override
        public Buffer allocate(int n) {
            return NativeShm.floats(n);
        }

        @Override
        public double get(Buffer buffer, int index) {
            return ((FloatBuffer) buffer).get(index);
        }

        @Override
        public void put(Buffer buffer, int index, int value) {
            ((FloatBuffer) buffer).put(index, value);
        }

        @Override
        public ByteOrder order(Buffer buffer) {
            return ((FloatBuffer) buffer).order();
        }
    },
    BYTES(1, SegmentDescriptor.TYPE_BYTE) {
        @Override
        public Buffer allocate(int n) {
            return NativeShm.bytes(n);
        }

        @Override
        public double get(Buffer buffer, int index) {
            return ((ByteBuffer) buffer).get(index);
        }

        @Override
        public void put(Buffer buffer, int index, int value) {
            ((ByteBuffer) buffer).put(index, (byte) value);
        }

        @Override
        public ByteOrder order(Buffer buffer) {
            return ((ByteBuffer) buffer).order();
        }
    };

    private final int elementBytes;
    private final int elementType;

    BufferKind(int elementBytes, int elementType) {
        this.elementBytes = elementBytes;
        this.elementType = elementType;
    }

    public int elementBytes() {
        return elementBytes;
    }

    /** The {@code SegmentDescriptor.TYPE_*} its segment header records. */
    public int elementType() {
        return elementType;
    }

    public abstract Buffer allocate(int n);

    public abstract double get(Buffer buffer, int index);

    public abstract void put(Buffer buffer, int index, int value);

    public abstract ByteOrder order(Buffer buffer);
}
