package io.jshmex.shm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.Pointer;

/** Makes direct buffers over raw addresses, refusing what a buffer cannot hold. */
public final class Views {
    /** The largest view: a Java buffer's capacity is an int. */
    public static final long MAX_VIEW_BYTES = Integer.MAX_VALUE;

    private Views() {
    }

    /** A native-order buffer over {@code bytes} bytes at {@code address}. */
    static ByteBuffer wrap(long address, long bytes) {
        if (bytes < 0 || bytes > MAX_VIEW_BYTES) {
            throw new IllegalArgumentException("a buffer view holds at most " + MAX_VIEW_BYTES + " bytes (2 GiB - 1), "
                + "this one would hold " + bytes + ": use a window (ShmSegment.asByteBuffer(offset, length))");
        }
        if (bytes == 0) {
            // still an address inside the mapping (the header's page is there), so an empty
            // buffer is found, and released, like any other
            return wrap(address, 1).slice(0, 0).order(ByteOrder.nativeOrder());
        }
        return new AddressPointer(address, bytes).asByteBuffer().order(ByteOrder.nativeOrder());
    }

    /** JavaCPP's pointer with its address and bounds set, so that asByteBuffer() has the right capacity. */
    private static final class AddressPointer extends Pointer {
        AddressPointer(long address, long bytes) {
            this.address = address;
            this.position = 0;
            this.limit = bytes;
            this.capacity = bytes;
        }

        /** Bytes, not the size JavaCPP would look up for an unknown subclass. */
        @Override
        public int sizeof() {
            return 1;
        }
    }

    /** The address of a direct buffer's element 0 (its position ignored). */
    public static long address(java.nio.Buffer directBuffer) {
        // JavaCPP hands native code the address plus position(), counted in bytes for a void*
        return ShmNative.address_of(directBuffer) - directBuffer.position();
    }
}
