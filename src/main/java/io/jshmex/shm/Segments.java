package io.jshmex.shm;

import io.jshmex.InvalidSegmentException;
import io.jshmex.SegmentExistsException;
import io.jshmex.ShmException;
import io.jshmex.ShmSpaceException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The machine-wide view of this library's segments, and the allocation of shm-backed buffers. */
public final class Segments {
    /** Start times closer than this are the same process; pid reuse takes far longer. */
    private static final long START_TOLERANCE_MS = 2000;

    private static volatile BufferAllocator allocator = Segments::allocateFresh;
    /** Asked, when a user's own segment finds /dev/shm full, to give back shared memory kept for reuse. */
    private static final List<BooleanSupplier> SPACE_KEEPERS = new CopyOnWriteArrayList<>();
    /** How long a user's allocation waits for kept memory to come back before giving up. */
    private static final long RELIEF_WAIT_MILLIS = 3000;

    private Segments() {
    }

    /** Makes the buffers of {@code NativeShm.doubles(n)} and friends. */
    @FunctionalInterface
    public interface BufferAllocator {
        /** A zeroed native-order buffer of {@code count} elements of {@code type}, in shared memory. */
        ByteBuffer allocate(long count, int type);
    }

    /**
     * Registers something that keeps shared memory for reuse (the pools' transfer blocks): when a
     * user's segment or buffer finds {@code /dev/shm} full, it is asked to give back what it does
     * not use now, and answers whether it had anything to give.
     */
    public static void addSpaceKeeper(BooleanSupplier giveBack) {
        SPACE_KEEPERS.add(giveBack);
    }

    /**
     * Creates a segment of the user's ({@code NativeShm.create}, {@code NativeShm.doubles} and
     * friends): if {@code /dev/shm} is full, memory kept for reuse is asked back first, and the
     * creation is tried once more before the {@link ShmSpaceException} reaches the user.
     */
    public static <T> T createForUser(long bytes, Supplier<T> create) {
        try {
            return create.get();
        } catch (ShmSpaceException full) {
            if (Shm.exceedsAll(bytes) || !giveBackKeptSpace(bytes)) {
                throw full;
            }
            return create.get();
        }
    }

    private static boolean giveBackKeptSpace(long bytes) {
        boolean asked = false;
        for (BooleanSupplier keeper : SPACE_KEEPERS) {
            asked |= keeper.getAsBoolean();
        }
        if (!asked) {
            return false;
        }
        // workers unmap their side when the request reaches them: wait until the room is there
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RELIEF_WAIT_MILLIS);
        while (Shm.freeBytes() >= 0 && Shm.freeBytes() < bytes + SegmentDescriptor.HEADER_LENGTH
            && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return true;
    }

    /** Lets a worker serve buffers from memory it keeps pre-faulted. */
    public static void useAllocator(BufferAllocator custom) {
        allocator = custom;
    }

    /** Creates a segment under a fresh generated name (retrying in the unlikely case of a clash). */
    public static Mapping createUnique(long dataBytes, int type, long count) {
        for (int attempt = 0; ; attempt++) {
            try {
                return Mapping.create(SegmentNames.generate(), dataBytes, type, count);
            } catch (SegmentExistsException clash) {
                if (attempt == 3) {
                    throw clash;
                }
            }
        }
    }

    public static ByteBuffer allocate(long count, int type) {
        if (count < 0) {
            throw new IllegalArgumentException("buffer length must not be negative: " + count);
        }
        long bytes = count * SegmentDescriptor.elementSize(type);
        if (bytes > Views.MAX_VIEW_BYTES) {
            throw new IllegalArgumentException(count + " elements of " + SegmentDescriptor.typeName(type)
                + " need " + bytes + " bytes, more than a buffer can hold (2 GiB - 1): use NativeShm.create and "
                + "ShmSegment.asByteBuffer(offset, length) windows");
        }
        return allocator.allocate(count, type);
    }

    /** A buffer over its own new segment; the segment goes when the buffer does. */
    static ByteBuffer allocateFresh(long count, int type) {
        long bytes = count * SegmentDescriptor.elementSize(type);
        Mapping mapping = createForUser(bytes, () -> createUnique(bytes, type, count));
        try {
            return mapping.view(0, bytes);
        } finally {
            mapping.release();
        }
    }

    /** See {@code NativeShm.release}. */
    public static boolean release(Buffer buffer) {
        if (buffer == null || !buffer.isDirect()) {
            return false;
        }
        Mapping mapping = Mapping.containing(Views.address(buffer));
        if (mapping == null) {
            return false;
        }
        if (mapping.tag() instanceof Runnable) {
            ((Runnable) mapping.tag()).run();
        } else {
            mapping.close();
        }
        return true;
    }

    public static List<String> list() {
        Shm.ensureAvailable();
        try (Stream<Path> files = Files.list(Path.of(Shm.SHM_DIR))) {
            return files.map(path -> path.getFileName().toString())
                .filter(SegmentNames::isOurs)
                .sorted()
                .collect(Collectors.toList());
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + Shm.SHM_DIR, e);
        }
    }

    /** Unlinks this library's segments: all of them, or only those whose creator is gone. */
    public static int clear(boolean orphansOnly) {
        return removeWhere(name -> !orphansOnly || !creatorAlive(name));
    }

    /**
     * Unlinks every segment whose name says {@code pid} created it: what a dead worker left.
     *
     * @return how many names were removed
     */
    public static int removeCreatedBy(long pid) {
        return removeWhere(name -> SegmentNames.creatorPid(name) == pid);
    }

    private static int removeWhere(Predicate<String> which) {
        int removed = 0;
        for (String name : list()) {
            if (!which.test(name)) {
                continue;
            }
            try {
                if (Shm.unlink(name)) {
                    removed++;
                }
            } catch (ShmException e) {
                // another user's segment: not ours to remove
            }
        }
        return removed;
    }

    /** Whether the process that created this segment still runs (the same process, not a reused pid). */
    static boolean creatorAlive(String name) {
        long pid = SegmentNames.creatorPid(name);
        long startMs = 0;
        try {
            SegmentInfo info = Shm.readHeader(name);
            pid = info.creatorPid();
            startMs = info.creatorStartMillis();
        } catch (InvalidSegmentException e) {
            // a header being written, or a damaged one: the name's pid decides
        } catch (ShmException e) {
            return true; // gone already, or not ours to judge
        }
        if (pid <= 0) {
            return true;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            return false;
        }
        if (startMs == 0) {
            return true;
        }
        Optional<Instant> started = process.get().info().startInstant();
        return started.isEmpty() || Math.abs(started.get().toEpochMilli() - startMs) < START_TOLERANCE_MS;
    }
}
