package io.jshmex.pool;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import io.jshmex.transfer.TransferLink;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

/**
 * A worker's private channel: a Unix-domain socket, carrying {@link Frame}s. One thread reads;
 * writes from any thread are serialized. Unlike the child's stdout, nothing a task prints can
 * reach it.
 */
final class FrameChannel implements AutoCloseable {
    private final SocketChannel socket;
    private final ByteBuffer lengthBuffer = ByteBuffer.allocate(4);

    FrameChannel(SocketChannel socket) {
        this.socket = socket;
    }

    void write(Frame frame) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(frame.encode());
        synchronized (this) {
            while (bytes.hasRemaining()) {
                socket.write(bytes);
            }
        }
    }

    /**
     * Starts the one reading thread: it applies the peer's notices to {@code link} as they come,
     * hands every other frame to {@code deliver}, and runs {@code closed} when the channel ends.
     */
    void startReader(String threadName, TransferLink link, Consumer<Frame> deliver, Runnable closed) {
        Thread reader = new Thread(() -> {
            try {
                while (true) {
                    Frame frame = read();
                    link.applyNotices(frame.peerBlocksDone, frame.drops);
                    if (frame.kind != Frame.NOTICE) {
                        deliver.accept(frame);
                    }
                }
            } catch (IOException | RuntimeException e) {
                closed.run();
            }
        }, threadName);
        reader.setDaemon(true);
        reader.start();
    }

    /** The next frame; {@link EOFException} when the other end has closed. */
    Frame read() throws IOException {
        lengthBuffer.clear();
        readFully(lengthBuffer);
        int length = lengthBuffer.flip().getInt();
        if (length < 0 || length > Frame.MAX_LENGTH) {
            throw new IOException("corrupt frame length " + length);
        }
        ByteBuffer body = ByteBuffer.allocate(length);
        readFully(body);
        return Frame.decode(body.array());
    }

    private void readFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (socket.read(buffer) < 0) {
                throw new EOFException("channel closed");
            }
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing: nothing left to do with it
        }
    }
}
