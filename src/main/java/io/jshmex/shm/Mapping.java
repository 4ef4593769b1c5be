package io.jshmex.shm;

import io.jshmex.ShmSpaceException;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One mapping of one segment in this process: the native address range, who still uses it, and
 * its end.
 *
 * <p>A mapping is reference-counted. Whoever opened it holds one reference (released by
 * {@link #release()} or {@link #close()}); every buffer view made by {@link #view} holds one more,
 * released by a {@link Cleaner} when the garbage collector frees the view and everything derived
 * from it (slices and typed views keep their root alive). The range is unmapped when the count
 * reaches zero, so no view can outlive its memory.
 *
 * <p>{@link #close()} lets the shared memory go at once even while views exist: it replaces the
 * range, in place, with private zero pages ({@code MAP_FIXED}), so a view used afterwards reads
 * zeros and its writes reach no one, instead of crashing the JVM; the range is unmapped when the
 * last view is collected.
 */
public final class Mapping {
    private static final Cleaner CLEANER = Cleaner.create(runnable -> {
        Thread thread = new Thread(runnable, "jshmex-cleaner");
        thread.setDaemon(true);
        return thread;
    });

    /** Every live mapping of this process by start address, to find the segment behind a buffer. */
    private static final ConcurrentSkipListMap<Long, Mapping> LIVE = new ConcurrentSkipListMap<>();

    static {
        // names this process created and still holds would outlive it: a JVM that exits normally
        // takes them along (one killed leaves them to clearOrphans)
        Runtime.getRuntime().addShutdownHook(new Thread(Mapping::unlinkOwnedNames, "jshmex-unlink-at-exit"));
    }

    private static final int OPEN = 0;
    private static final int RETIRED = 1;
    private static final int UNMAPPED = 2;

    private final SegmentInfo info;
    private final long address;
    private final boolean owner;
    private final AtomicInteger refs = new AtomicInteger(1);
    private final AtomicBoolean openerReleased = new AtomicBoolean();
    private final AtomicBoolean nameGone = new AtomicBoolean();
    private volatile int state = OPEN;
    /** Set first thing by close(), so that no view can be added while it counts the views. */
    private volatile boolean closing;
    private volatile Runnable onUnmap;
    private volatile Object tag;

    private Mapping(SegmentInfo info, long address, boolean owner) {
        this.info = info;
        this.address = address;
        this.owner = owner;
        this.nameGone.set(!owner);
        LIVE.put(address, this);
    }

    /**
     * The open mapping whose data holds {@code address}, or null. This is how a direct buffer is
     * known to be shared memory, and which segment and offset it is.
     */
    public static Mapping containing(long address) {
        Map.Entry<Long, Mapping> entry = LIVE.floorEntry(address);
        if (entry == null) {
            return null;
        }
        Mapping mapping = entry.getValue();
        long data = mapping.dataAddress();
        return address >= data && address < data + Math.max(1, mapping.dataBytes()) && mapping.isOpen() ? mapping : null;
    }

    private static void unlinkOwnedNames() {
        for (Mapping mapping : LIVE.values()) {
            if (mapping.owner) {
                try {
                    mapping.unlinkName();
                } catch (RuntimeException ignored) {
                    // exiting: nothing more to do about it
                }
            }
        }
    }

    /** Whatever the layer that made this mapping wants to find again through {@link #containing}. */
    public Object tag() {
        return tag;
    }

    public void tag(Object tag) {
        this.tag = tag;
    }

    /**
     * Creates a fresh segment and maps it. A full {@code /dev/shm} first gets a GC (mappings held
     * only by unreachable views are released), then a {@link ShmSpaceException}.
     */
    public static Mapping create(String name, long dataBytes, int elementType, long elementCount) {
        long mappedBytes = SegmentDescriptor.HEADER_LENGTH + dataBytes;
        MappedMemory.reserve(name, mappedBytes);
        long address;
        long[] inode = new long[1];
        try {
            try {
                address = Shm.create(name, dataBytes, elementType, elementCount, inode);
            } catch (ShmSpaceException full) {
                if (!MappedMemory.collect(mappedBytes)) {
                    throw full;
                }
                address = Shm.create(name, dataBytes, elementType, elementCount, inode);
            }
        } catch (RuntimeException e) {
            MappedMemory.cancel(mappedBytes);
            throw e;
        }
        SegmentInfo info = new SegmentInfo(name, mappedBytes, elementType, elementCount, dataBytes, Shm.pid(),
            Shm.startMillis(), inode[0]);
        return new Mapping(info, address, true);
    }

    /** Maps an existing segment after checking its header, size and owner. */
    public static Mapping attach(String name) {
        try (SegmentFile file = SegmentFile.open(name)) {
            return file.map();
        }
    }

    /** A mapping of an open segment file: see {@link SegmentFile#map()}. */
    static Mapping ofFile(SegmentInfo info, int fd) {
        MappedMemory.reserve(info.name(), info.mappedBytes());
        try {
            return new Mapping(info, Shm.mapFd(fd, info.mappedBytes(), info.name()), false);
        } catch (RuntimeException e) {
            MappedMemory.cancel(info.mappedBytes());
            throw e;
        }
    }

    public String name() {
        return info.name();
    }

    public SegmentInfo info() {
        return info;
    }

    public long dataBytes() {
        return info.dataBytes();
    }

    /** Address of the first data byte. Valid while this mapping is open. */
    public long dataAddress() {
        return address + SegmentDescriptor.HEADER_LENGTH;
    }

    public boolean isOpen() {
        return !closing && state == OPEN;
    }

    /** Whether this process created the segment (and so owns its name). */
    public boolean isOwner() {
        return owner;
    }

    /** Runs once when the range is finally unmapped (pools use it to learn a view was freed). */
    public void onUnmap(Runnable action) {
        this.onUnmap = action;
    }

    /**
     * A native-order buffer over data bytes {@code [offset, offset + bytes)}, which keeps this
     * mapping alive until the GC frees it.
     *
     * @throws IllegalArgumentException if the range is outside the data or wider than 2 GiB - 1
     * @throws IllegalStateException if the mapping has been closed
     */
    public ByteBuffer view(long offset, long bytes) {
        return view(offset, bytes, null);
    }

    /**
     * Like {@link #view(long, long)}, and runs {@code onFreed} (on the cleaner thread) once the GC
     * has freed the view and everything derived from it.
     */
    public ByteBuffer view(long offset, long bytes, Runnable onFreed) {
        if (offset < 0 || bytes < 0 || offset > info.dataBytes() - bytes) {
            throw new IndexOutOfBoundsException("view [" + offset + ", " + (offset + bytes) + ") is outside the "
                + info.dataBytes() + " data bytes of segment " + name());
        }
        acquire();
        ByteBuffer view;
        try {
            view = Views.wrap(dataAddress() + offset, bytes);
        } catch (RuntimeException e) {
            releaseRef();
            throw e;
        }
        if (onFreed == null) {
            CLEANER.register(view, this::releaseRef);
        } else {
            CLEANER.register(view, () -> {
                releaseRef();
                onFreed.run();
            });
        }
        return view;
    }

    /**
     * A view with no cleaner and no reference of its own, for copying in or out while the caller
     * keeps this mapping open. It must not escape the caller.
     */
    public ByteBuffer scratchView(long offset, long bytes) {
        if (offset < 0 || bytes < 0 || offset > info.dataBytes() - bytes) {
            throw new IndexOutOfBoundsException("window [" + offset + ", " + (offset + bytes) + ") is outside the "
                + info.dataBytes() + " data bytes of segment " + name());
        }
        if (state != OPEN) {
            throw new IllegalStateException("segment " + name() + " is closed");
        }
        return Views.wrap(dataAddress() + offset, bytes);
    }

    private void acquire() {
        while (true) {
            int current = refs.get();
            if (current == 0 || closing || state != OPEN) {
                throw new IllegalStateException("segment " + name() + " is closed");
            }
            if (refs.compareAndSet(current, current + 1)) {
                if (closing) {
                    // close() may have counted the views before this one: undo and refuse
                    releaseRef();
                    throw new IllegalStateException("segment " + name() + " is closed");
                }
                return;
            }
        }
    }

    /** Gives up the opener's reference; the range goes when the views do. Idempotent. */
    public void release() {
        if (openerReleased.compareAndSet(false, true)) {
            releaseRef();
        }
    }

    /**
     * Lets the memory go now: gives up the opener's reference, unlinks the name if this process
     * created it, and retires the range if views still point into it. Idempotent.
     */
    public void close() {
        closing = true;
        unlinkName();
        boolean heldOpener = openerReleased.compareAndSet(false, true);
        synchronized (this) {
            int views = refs.get() - (heldOpener ? 1 : 0);
            if (state == OPEN && views > 0) {
                Shm.retire(address, info.mappedBytes());
                state = RETIRED;
                LIVE.remove(address, this);
                MappedMemory.unreserve(info.mappedBytes());
            }
        }
        if (heldOpener) {
            releaseRef();
        }
    }

    /**
     * Unlinks the name if this process created it and has not unlinked it yet, and the name still
     * denotes this segment (not a later one of the same name, made after someone else unlinked it).
     */
    public boolean unlinkName() {
        if (!nameGone.compareAndSet(false, true)) {
            return false;
        }
        try {
            if (Shm.readHeader(name()).inode() != info.inode()) {
                return false;
            }
        } catch (io.jshmex.ShmException goneOrForeign) {
            return false;
        }
        return Shm.unlink(name());
    }

    /** Marks the name as gone without touching it (someone else unlinked it). */
    public void forgetName() {
        nameGone.set(true);
    }

    private void releaseRef() {
        if (refs.decrementAndGet() != 0) {
            return;
        }
        synchronized (this) {
            if (state == UNMAPPED) {
                return;
            }
            boolean wasOpen = state == OPEN;
            state = UNMAPPED;
            LIVE.remove(address, this);
            Shm.unmap(address, info.mappedBytes());
            MappedMemory.unreserveMapping();
            if (wasOpen) {
                MappedMemory.unreserve(info.mappedBytes());
            }
        }
        if (owner) {
            try {
                unlinkName();
            } catch (RuntimeException ignored) {
                // the name is someone else's business now; nothing to leak on our side
            }
        }
        Runnable action = onUnmap;
        if (action != null) {
            action.run();
        }
    }

    /** Registers {@code action} to run when {@code holder} becomes unreachable. */
    public static Cleaner.Cleanable whenUnreachable(Object holder, Runnable action) {
        return CLEANER.register(holder, action);
    }
}
