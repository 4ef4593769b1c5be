package io.jshmex.transfer;

import io.jshmex.shm.Mapping;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * How many bytes of a value the sender has copied into a transfer block so far: a word just
 * before the value ({@link #BYTES} before it, so that it has a cache line of its own), written by
 * the sender with release semantics and read by the receiver with acquire semantics (both
 * processes map the same page). -1 means the sender gave up. A block that carries several values
 * has a word before each.
 */
final class Progress {
    /** Room kept before each value in a block, a cache line, so the value does not share it. */
    static final int BYTES = 64;

    private static final VarHandle WORD = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(120);
    private static final int SPINS = 2000;
    private static final long MIN_PARK_NANOS = 20_000;
    private static final long MAX_PARK_NANOS = 500_000;

    private final ByteBuffer word;
    private final BooleanSupplier peerGone;

    private Progress(Mapping block, long valueOffset, BooleanSupplier peerGone) {
        if (valueOffset < BYTES) {
            throw new IllegalArgumentException("a value at " + valueOffset + " has no room for its progress word");
        }
        this.word = block.scratchView(valueOffset - BYTES, 8);
        this.peerGone = peerGone;
    }

    /**
     * The progress word of the value at {@code valueOffset} in {@code block}: to publish, or to
     * await while {@code peerGone} is false.
     */
    static Progress of(Mapping block, long valueOffset, BooleanSupplier peerGone) {
        return new Progress(block, valueOffset, peerGone);
    }

    void reset() {
        WORD.setRelease(word, 0, 0L);
    }

    void publish(long bytes) {
        WORD.setRelease(word, 0, bytes);
    }

    void fail() {
        WORD.setRelease(word, 0, -1L);
    }

    /**
     * Waits until at least {@code bytes} are there: a short spin (the sender is usually a chunk
     * ahead), then sleeps that grow while nothing changes.
     *
     * @throws IOException if the sender gave up, died, or made no progress for two minutes
     */
    void await(long bytes) throws IOException {
        long seen = (long) WORD.getAcquire(word, 0);
        if (seen >= bytes) {
            return;
        }
        long lastChange = System.nanoTime();
        long parkNanos = MIN_PARK_NANOS;
        for (int spins = 0; ; spins++) {
            long now = (long) WORD.getAcquire(word, 0);
            if (now >= bytes) {
                return;
            }
            if (now < 0) {
                throw new IOException("the sender failed while copying the value into shared memory");
            }
            if (now != seen) {
                seen = now;
                lastChange = System.nanoTime();
                parkNanos = MIN_PARK_NANOS;
            } else if (System.nanoTime() - lastChange > STALL_NANOS) {
                throw new IOException("the sender made no progress copying a value for two minutes");
            }
            if (spins < SPINS) {
                Thread.onSpinWait();
            } else {
                if (peerGone.getAsBoolean()) {
                    throw new IOException("the sender is gone while copying a value into shared memory");
                }
                // back off: a slow sender (records being packed) should not lose its core to us
                LockSupport.parkNanos(parkNanos);
                parkNanos = Math.min(MAX_PARK_NANOS, parkNanos * 2);
            }
        }
    }
}
