package io.jshmex.shm;

import io.jshmex.ShmMappingLimitException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Accounts the shared memory this process holds mapped, and applies pressure as the JDK does for
 * direct buffers: mappings released only by the garbage collector (views nobody closes) must not
 * fill {@code /dev/shm}. When a new mapping would pass the threshold, or {@code /dev/shm} has no
 * room for it, this runs a GC and waits for cleaners to unmap before going on.
 *
 * <p>The threshold is {@code -Djshmex.gcThresholdBytes}, by default half of {@code /dev/shm}'s
 * size. It is a trigger, not a cap: the real limit is the room in {@code /dev/shm}, whose lack
 * gives a {@link io.jshmex.ShmSpaceException}.
 *
 * <p>It also counts the mappings: Linux gives a process at most {@code vm.max_map_count} of them
 * (65,530 by default), and a JVM that reaches it dies in its own next allocation. jshmex keeps to
 * half of that ({@code -Djshmex.maxMappings} to choose) and refuses a mapping past it with a
 * {@link ShmMappingLimitException}, after a GC has had the chance to unmap views nobody holds.
 */
public final class MappedMemory {
    private static final AtomicLong MAPPED = new AtomicLong();
    private static final AtomicLong RELEASES = new AtomicLong();
    private static final long THRESHOLD = Long.getLong("jshmex.gcThresholdBytes", defaultThreshold());
    private static final int MAX_SLEEPS = 10;
    private static final AtomicInteger MAPPINGS = new AtomicInteger();
    private static final int MAX_MAPPINGS = Integer.getInteger("jshmex.maxMappings", defaultMaxMappings());

    private MappedMemory() {
    }

    private static long defaultThreshold() {
        long total = Shm.totalBytes();
        return total > 0 ? total / 2 : 1L << 30;
    }

    private static int defaultMaxMappings() {
        try {
            // not Files.readString: it trusts the size /proc reports, and reads one character
            return Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/vm/max_map_count")).get(0).trim()) / 2;
        } catch (IOException | RuntimeException e) {
            return 65_530 / 2;
        }
    }

    /** Shared-memory mappings this process holds now (views of one mapping do not count). */
    public static int mappings() {
        return MAPPINGS.get();
    }

    /** The most mappings jshmex makes in this process. */
    public static int maxMappings() {
        return MAX_MAPPINGS;
    }

    /**
     * Counts one more mapping of {@code name}, after a GC if this process holds the most already,
     * and makes room for its {@code bytes} (see {@link #reserveBytes}).
     *
     * @throws ShmMappingLimitException if this process still holds the most mappings after the GC
     */
    static void reserve(String name, long bytes) {
        reserveMapping(name);
        reserveBytes(bytes);
    }

    /** Undoes {@link #reserve(String, long)} for a mapping that could not be made. */
    static void cancel(long bytes) {
        unreserve(bytes);
        unreserveMapping();
    }

    private static void reserveMapping(String name) {
        if (MAPPINGS.get() >= MAX_MAPPINGS) {
            collectWhile(() -> MAPPINGS.get() >= MAX_MAPPINGS);
            int held = MAPPINGS.get();
            if (held >= MAX_MAPPINGS) {
                throw new ShmMappingLimitException(name, held, MAX_MAPPINGS);
            }
        }
        MAPPINGS.incrementAndGet();
    }

    static void unreserveMapping() {
        MAPPINGS.decrementAndGet();
    }

    /** Bytes of shared memory this process holds mapped now. */
    public static long mappedBytes() {
        return MAPPED.get();
    }

    public static long gcThreshold() {
        return THRESHOLD;
    }

    /**
     * Makes room for {@code bytes} more, collecting garbage first if needed, then counts them.
     * Never fails: if the GC frees nothing, the caller's mmap or fallocate says whether the memory
     * is really there.
     */
    private static void reserveBytes(long bytes) {
        if (needsRoom(bytes)) {
            collect(bytes);
        }
        MAPPED.addAndGet(bytes);
    }

    static void unreserve(long bytes) {
        MAPPED.addAndGet(-bytes);
        RELEASES.incrementAndGet();
    }

    private static boolean needsRoom(long bytes) {
        long mapped = MAPPED.get();
        if (mapped == 0) {
            return false;
        }
        if (mapped + bytes > THRESHOLD) {
            return true;
        }
        long free = Shm.freeBytes();
        return free >= 0 && free < bytes;
    }

    /**
     * Runs a GC now and waits briefly for cleaners to unmap what it found unreachable: the peer
     * of a transfer is short of shared memory that views held only by garbage may be pinning.
     */
    public static void collectNow() {
        long releasesBefore = RELEASES.get();
        System.gc();
        for (int i = 0; i < 5 && RELEASES.get() == releasesBefore; i++) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Runs a GC and waits, with growing sleeps (about half a second in all), for cleaners to unmap
     * enough. Returns whether anything was released.
     */
    static boolean collect(long bytes) {
        return collectWhile(() -> needsRoom(bytes));
    }

    /** Runs a GC, then sleeps (growing, about half a second in all) while {@code stillShort} holds. */
    private static boolean collectWhile(BooleanSupplier stillShort) {
        long releasesBefore = RELEASES.get();
        System.gc();
        long sleep = 1;
        for (int i = 0; i < MAX_SLEEPS && stillShort.getAsBoolean(); i++) {
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            sleep = Math.min(sleep * 2, 128);
        }
        return RELEASES.get() != releasesBefore;
    }
}
