package io.jshmex.pool;

import io.jshmex.TaskStep;
import io.jshmex.shm.SegmentDescriptor;
import io.jshmex.shm.Segments;
import io.jshmex.shm.Shm;
import io.jshmex.transfer.Payload;
import io.jshmex.transfer.Receipt;
import io.jshmex.transfer.TableEntry;
import io.jshmex.transfer.TransferLink;
import io.jshmex.transfer.WrapperRegistry;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The main class of a worker process. It reads a one-time token from stdin, connects to the
 * parent's private socket, and runs tasks one at a time. Its stdin stays open for as long as the
 * parent lives: end of stdin means the parent is gone, however it died, and the worker exits
 * at once, removing the shared memory it made.
 */
public final class WorkerMain {
    private final FrameChannel channel;
    private final TransferLink link;
    /** Frames read while looking for notices during a task, to handle after it. */
    private final Deque<Frame> pending = new ArrayDeque<>();
    private final long trimMillis;

    private WorkerMain(FrameChannel channel, TransferLink link, long trimMillis) {
        this.channel = channel;
        this.link = link;
        this.trimMillis = trimMillis;
    }

    /**
     * Entry point; not for users.
     *
     * @param args socket path, shared-memory threshold in bytes, trim delay in milliseconds, busy-poll
     *     time in nanoseconds
     */
    public static void main(String[] args) throws Exception {
        String token = readToken(System.in);
        watchParent(System.in);
        SocketChannel socket = SocketChannel.open(UnixDomainSocketAddress.of(args[0]));
        long threshold = Long.parseLong(args[1]);
        long trimMillis = Long.parseLong(args[2]);
        long busyPollNanos = Long.parseLong(args[3]);
        TransferLink link = new TransferLink(threshold, trimMillis, true);
        WorkerMain worker = new WorkerMain(new FrameChannel(socket, busyPollNanos), link, trimMillis);
        // NativeShm buffers a task allocates come from memory kept pre-faulted for the next task
        Segments.useAllocator((count, type) -> {
            ByteBuffer buffer = link.allocateLocal(count * SegmentDescriptor.elementSize(type));
            worker.announceNewBlocks();
            return buffer;
        });
        link.onUrgentNotice(worker::sendNotice);
        link.onSpacePressure(() -> {
            worker.send(Frame.SPACE);
            worker.drainNotices();
        });
        worker.channel.write(new Frame(Frame.HELLO, Shm.pid(), null, null, null, token.getBytes(StandardCharsets.UTF_8)));
        worker.serve();
    }

    private static String readToken(InputStream in) throws IOException {
        StringBuilder token = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("no token on stdin");
            }
            token.append((char) c);
        }
        return token.toString();
    }

    private static void watchParent(InputStream stdin) {
        Thread watcher = new Thread(() -> {
            try {
                while (stdin.read() >= 0) {
                    // the parent never writes more; only the end matters
                }
            } catch (IOException ignored) {
                // same as the end
            }
            exitNow(0);
        }, "jshmex-parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** Removes the shared memory this worker made (the parent may not be there to do it) and halts. */
    static void exitNow(int status) {
        try {
            Segments.removeCreatedBy(Shm.pid());
        } catch (Throwable ignored) {
            // halting anyway
        }
        Runtime.getRuntime().halt(status);
    }

    /**
     * The next frame that is not a notice (notices are applied on the way), or null after
     * {@code timeoutNanos} (zero: do not wait). The channel's end is the parent's: exit.
     */
    private Frame next(long timeoutNanos) {
        Frame buffered = pending.poll();
        return buffered != null ? buffered : read(timeoutNanos);
    }

    private Frame read(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            Frame frame;
            try {
                frame = channel.read(timeoutNanos == 0 ? 0 : Math.max(1, deadline - System.nanoTime()));
            } catch (IOException | RuntimeException e) {
                exitNow(0);
                return null;
            }
            if (frame == null) {
                return null;
            }
            link.applyNotices(frame.peerBlocksDone, frame.drops);
            if (frame.kind == Frame.SPACE) {
                link.relieveForPeer();
            }
            if (!frame.isNotice()) {
                return frame;
            }
        }
    }

    /** Applies notices the parent sent during the task (blocks it let go of), keeping other frames. */
    private void drainNotices() {
        Frame frame;
        while ((frame = read(0)) != null) {
            pending.add(frame);
        }
    }

    private void serve() throws Exception {
        while (true) {
            Frame frame = next(TimeUnit.MILLISECONDS.toNanos(trimMillis));
            if (frame == null) {
                if (link.blocks().trim(false) > 0) {
                    sendNotice();
                }
                continue;
            }
            switch (frame.kind) {
                case Frame.INIT:
                    initialize(frame);
                    break;
                case Frame.TASK:
                    run(frame);
                    break;
                case Frame.REGISTRY:
                    register(frame);
                    break;
                case Frame.SHUTDOWN:
                    link.close();
                    channel.close();
                    exitNow(0);
                    return;
                default:
                    throw new IOException("unexpected frame kind " + frame.kind);
            }
        }
    }

    private void initialize(Frame frame) throws IOException {
        Receipt receipt = new Receipt();
        try {
            Runnable initializer = (Runnable) link.decode(frame.stream, frame.table, receipt);
            initializer.run();
            channel.write(reply(Frame.INIT_OK, frame.taskId, null, null));
        } catch (Throwable failed) {
            sendFailure(frame.taskId, new Failure(TaskStep.RUN, failed));
        } finally {
            receipt.endLeases();
        }
    }

    private void register(Frame frame) {
        try {
            String[][] pairs = (String[][]) link.decode(frame.stream, frame.table, null, ControlFilters.REGISTRY);
            WrapperRegistry.apply(Arrays.asList(pairs), WorkerMain.class.getClassLoader());
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            // the arrays of such wrappers then travel by the threshold rule; say why
            System.err.println("jshmex worker " + Shm.pid() + ": cannot apply array-wrapper registrations: " + e);
        }
    }

    private void run(Frame frame) throws IOException {
        Receipt receipt = new Receipt();
        Job job;
        try {
            job = (Job) link.decode(frame.stream, frame.table, receipt);
        } catch (Throwable failed) {
            receipt.endLeases();
            sendFailure(frame.taskId, new Failure(TaskStep.RECEIVE_TASK, failed));
            return;
        }
        Object result;
        try {
            result = job.run();
        } catch (Throwable failed) {
            receipt.endLeases();
            sendFailure(frame.taskId, new Failure(TaskStep.RUN, failed));
            return;
        }
        Payload payload;
        TransferLink.Staged staged;
        try {
            payload = link.encode(result);
            if (payload.sharedValues() > 0) {
                // blocks the parent let go of during the task can carry this result
                drainNotices();
            }
            staged = link.stage(payload);
        } catch (Throwable failed) {
            receipt.endLeases();
            sendFailure(frame.taskId, new Failure(TaskStep.SEND_RESULT, failed));
            return;
        }
        channel.write(withNotices(reply(Frame.RESULT, frame.taskId, payload, staged)));
        try {
            staged.copyIn();
        } catch (IOException | RuntimeException e) {
            // the parent sees the failed progress word and reports this task's result as lost
            System.err.println("jshmex worker " + Shm.pid() + ": copying the result failed: " + e);
        }
        // only now: a task may return one of its argument buffers, which was copied from the lease
        receipt.endLeases();
        flushNotices();
        link.sweepNamed();
    }

    private void sendFailure(long taskId, Failure failure) throws IOException {
        Payload payload = link.encode(failure);
        TransferLink.Staged staged = link.stage(payload);
        channel.write(withNotices(reply(Frame.FAILURE, taskId, payload, staged)));
        staged.copyIn();
        flushNotices();
        link.sweepNamed();
    }

    /** Blocks of the parent's this worker is done with go back now, not with the next result. */
    private void flushNotices() {
        if (link.hasNotices()) {
            sendNotice();
        }
    }

    private Frame reply(byte kind, long taskId, Payload payload, TransferLink.Staged staged) {
        return new Frame(kind, taskId, null, null, staged == null ? null : staged.table(),
            payload == null ? null : payload.stream());
    }

    private Frame withNotices(Frame frame) {
        return new Frame(frame.kind, frame.taskId, link.takePeerBlocksDone(), link.takeDrops(), frame.table, frame.stream);
    }

    private void sendNotice() {
        send(Frame.NOTICE);
    }

    /** The parent hears of a block made for a task's buffer at once, and unlinks its name. */
    private void announceNewBlocks() {
        List<TableEntry> entries = link.takeAnnouncements();
        if (entries.isEmpty()) {
            return;
        }
        try {
            channel.write(new Frame(Frame.NOTICE, 0, link.takePeerBlocksDone(), link.takeDrops(), entries, null));
        } catch (IOException e) {
            exitNow(0);
        }
    }

    /** Sends a frame of notices alone ({@link Frame#NOTICE} or {@link Frame#SPACE}). */
    private void send(byte kind) {
        try {
            channel.write(withNotices(Frame.control(kind, 0)));
        } catch (IOException e) {
            exitNow(0);
        }
    }
}
