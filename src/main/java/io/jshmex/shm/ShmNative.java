package io.jshmex.shm;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The JavaCPP binding of {@code src/main/cpp/jshmex.h}. Nothing else in the library calls
 * native code; everything goes through {@link Shm}, which checks availability first and turns
 * native errors into precise exceptions.
 */
@Platform(include = "jshmex.h", compiler = "cpp11", link = "rt")
@Namespace("jshmex")
final class ShmNative {
    static {
        Loader.load();
    }

    private ShmNative() {
    }

    static native long header_field_offset(int field);

    static native @Cast("std::uintptr_t") long create_segment(String name, long dataBytes, int type, long count,
                                                              long pid, long startMs, long[] inode);

    static native void read_header(String name, long[] info);

    static native int open_segment(String name, long[] info);

    static native @Cast("std::uintptr_t") long map_fd(int fd, long length);

    static native void close_fd(int fd);

    static native @Cast("bool") boolean unlink_segment(String name);

    static native void unmap(@Cast("std::uintptr_t") long address, long length);

    static native void retire(@Cast("std::uintptr_t") long address, long length);

    static native void prefault(@Cast("std::uintptr_t") long address, long length);

    static native void fill_zero(@Cast("std::uintptr_t") long address, long length);

    static native void copy_memory(@Cast("std::uintptr_t") long to, @Cast("std::uintptr_t") long from, long length);

    static native void space(String dir, long[] out);

    static native long page_size();

    /** JavaCPP passes a direct buffer as the address of its element at {@code position()}. */
    static native @Cast("std::uintptr_t") long address_of(@Cast("const void*") java.nio.Buffer buffer);
}
