package io.jshmex.pool;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * A worker's private channel: a Unix-domain socket, carrying {@link Frame}s. Unlike the child's
 * stdout, nothing a task prints can reach it.
 *
 * <p>The thread that waits for a message reads it itself (no reader thread to hand it over: a
 * small task's round trip is mostly such hand-overs), with a time limit, or without waiting at
 * all to pick up notices that came in meanwhile. One thread reads at a time; writes from any
 * thread are serialized.
 *
 * <p>A waiting thread first polls for a short while ({@code busyPollNanos}) before it blocks in
 * the selector: a small task's answer, and the next small task, usually come within tens of
 * microseconds, and being woken from a blocking wait costs about as much on a loaded machine.
 * Each poll is a non-blocking select followed by a yield, so a thread that needs the core gets it.
 */
final class FrameChannel implements AutoCloseable {
    private static final int INITIAL_BUFFER = 64 * 1024;

    private final SocketChannel socket;
    private final Selector readable;
    private final Selector writable;
    private final Object writeLock = new Object();
    private final long busyPollNanos;
    /**
     * Set by {@link #wakeWaiter()}: a non-blocking select clears a pending wake-up of the
     * selector, so the poll before a blocking {@link #awaitReadable} looks here too.
     */
    private volatile boolean wakeRequested;
    /** Bytes read and not yet taken as frames, from 0 to position(). */
    private ByteBuffer in = ByteBuffer.allocate(INITIAL_BUFFER);

    /**
     * @param busyPollNanos how long a waiting thread polls before it blocks (zero: block at once)
     */
    FrameChannel(SocketChannel socket, long busyPollNanos) throws IOException {
        this.socket = socket;
        this.busyPollNanos = busyPollNanos;
        socket.configureBlocking(false);
        this.readable = Selector.open();
        this.writable = Selector.open();
        socket.register(readable, SelectionKey.OP_READ);
        socket.register(writable, SelectionKey.OP_WRITE);
    }

    void write(Frame frame) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(frame.encode());
        synchronized (writeLock) {
            while (bytes.hasRemaining()) {
                if (socket.write(bytes) == 0) {
                    writable.select(100);
                    writable.selectedKeys().clear();
                }
            }
        }
    }

    /**
     * The next frame, waiting at most {@code timeoutNanos} (negative: as long as it takes; zero:
     * not at all); null if none came in time.
     *
     * @throws EOFException when the other end has closed
     * @throws IOException if the channel broke or carried a corrupt frame
     */
    Frame read(long timeoutNanos) throws IOException {
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
        boolean polled = false;
        while (true) {
            Frame frame = takeBuffered();
            if (frame != null) {
                return frame;
            }
            int n = socket.read(in);
            if (n < 0) {
                throw new EOFException("channel closed");
            }
            if (n > 0) {
                continue;
            }
            if (timeoutNanos == 0) {
                return null;
            }
            long waitMillis = 0;
            if (timeoutNanos > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                waitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(left));
            }
            if (!polled) {
                polled = true;
                if (busyPoll(false)) {
                    continue;
                }
            }
            readable.select(waitMillis);
            readable.selectedKeys().clear();
        }
    }

    /**
     * Waits until the channel has something to read (or has ended), at most {@code timeoutNanos},
     * without reading it; {@link #wakeWaiter()} ends the wait early. Returns whether there is
     * something to read.
     */
    boolean awaitReadable(long timeoutNanos) throws IOException {
        if (hasWholeFrame() || busyPoll(true)) {
            return true;
        }
        if (wakeRequested) {
            wakeRequested = false;
            return false;
        }
        int ready = readable.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)));
        readable.selectedKeys().clear();
        wakeRequested = false;
        return ready > 0;
    }

    /** Ends an {@link #awaitReadable} in another thread. */
    void wakeWaiter() {
        wakeRequested = true;
        readable.wakeup();
    }

    /**
     * Polls for up to {@link #busyPollNanos}; returns whether the channel became readable.
     * With {@code wakeable}, a {@link #wakeWaiter()} ends it early (the flag stays set for the
     * caller to see).
     */
    private boolean busyPoll(boolean wakeable) throws IOException {
        if (busyPollNanos <= 0) {
            return false;
        }
        long end = System.nanoTime() + busyPollNanos;
        do {
            if (readable.selectNow() > 0) {
                readable.selectedKeys().clear();
                return true;
            }
            if (wakeable && wakeRequested) {
                return false;
            }
            Thread.yield();
        } while (System.nanoTime() - end < 0);
        return false;
    }

    private boolean hasWholeFrame() {
        return in.position() >= 4 && in.position() >= 4 + in.getInt(0);
    }

    /** A whole frame from what was read, or null; makes room for a frame larger than the buffer. */
    private Frame takeBuffered() throws IOException {
        int have = in.position();
        if (have < 4) {
            return null;
        }
        int length = in.getInt(0);
        if (length < 0 || length > Frame.MAX_LENGTH) {
            throw new IOException("corrupt frame length " + length);
        }
        if (have < 4 + length) {
            if (in.capacity() < 4 + length) {
                ByteBuffer larger = ByteBuffer.allocate(4 + length);
                in.flip();
                larger.put(in);
                in = larger;
            }
            return null;
        }
        byte[] body = new byte[length];
        in.get(4, body);
        in.flip().position(4 + length);
        in.compact();
        return Frame.decode(body);
    }

    @Override
    public void close() {
        try {
            socket.close();
            readable.close();
            writable.close();
        } catch (IOException ignored) {
            // closing: nothing left to do with it
        }
    }
}
