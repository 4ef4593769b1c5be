package io.jshmex.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Files in {@code /dev/shm} as the kernel sees them, read and written with plain java.nio, so
 * that tests can check the library from outside and plant foreign or damaged segments. The
 * header is written here independently of the library (layout from {@code jshmex.h}), so a
 * hand-made valid header proves the checks accept exactly what they should.
 */
public final class ShmFiles implements AutoCloseable {
    public static final Path DIR = Path.of("/dev/shm");
    public static final int HEADER = 64;
    public static final long MAGIC = 0x31584D4853484A00L;

    private final List<Path> planted = new ArrayList<>();

    public static Path path(String name) {
        return DIR.resolve(name);
    }

    public static boolean exists(String name) {
        return Files.exists(path(name), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    public static byte[] read(String name) {
        try {
            return Files.readAllBytes(path(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] readHeader(String name) {
        return Arrays.copyOf(read(name), HEADER);
    }

    /** A name of ours (the library lists it) that carries no pid, so no sweep judges it orphaned. */
    public static String foreignName(String tag) {
        return "jshmex_test_" + tag + "_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    }

    /** A name in the form the library generates, for the given creator pid. */
    public static String nameForPid(long pid) {
        return "jshmex_" + pid + "_" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 50, 1L << 51), 36);
    }

    /** A well-formed header, checksum included. */
    public static ByteBuffer header(int type, long count, long dataBytes, long pid, long startMs) {
        ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.nativeOrder());
        header.putLong(0, MAGIC);
        header.putInt(8, 1);
        header.putInt(12, type);
        header.putLong(16, count);
        header.putLong(24, HEADER);
        header.putLong(32, dataBytes);
        header.putLong(40, pid);
        header.putLong(48, startMs);
        return sealed(header);
    }

    /** Writes the FNV-1a checksum of bytes 0..59 into bytes 60..63, as the native layer does. */
    public static ByteBuffer sealed(ByteBuffer header) {
        header.putInt(60, checksum(header));
        return header;
    }

    public static int checksum(ByteBuffer header) {
        int hash = 0x811C9DC5;
        for (int i = 0; i < 60; i++) {
            hash = (hash ^ (header.get(i) & 0xFF)) * 16777619;
        }
        return hash;
    }

    /** Header followed by {@code dataBytes} bytes of data, each byte its index mod 251. */
    public static byte[] segmentBytes(ByteBuffer header, long dataBytes) {
        byte[] bytes = new byte[Math.toIntExact(HEADER + dataBytes)];
        header.duplicate().position(0).get(bytes, 0, HEADER);
        for (int i = HEADER; i < bytes.length; i++) {
            bytes[i] = (byte) ((i - HEADER) % 251);
        }
        return bytes;
    }

    /** Writes a file into /dev/shm that is deleted again by {@link #close()}. */
    public Path plant(String name, byte[] content) {
        Path path = track(path(name));
        try {
            return Files.write(path, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes {@code path} be deleted by {@link #close()}. */
    public Path track(Path path) {
        planted.add(path);
        return path;
    }

    @Override
    public void close() {
        for (Path path : planted) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        planted.clear();
    }

    /** Whether this process maps the segment (the kernel's own word: /proc/self/maps). */
    public static boolean mappedHere(String name) {
        String file = "/dev/shm/" + name;
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .anyMatch(line -> line.endsWith(file) || line.endsWith(file + " (deleted)"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static boolean runningAsRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
