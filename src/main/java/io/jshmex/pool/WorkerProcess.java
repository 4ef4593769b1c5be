package io.jshmex.pool;

import io.jshmex.WorkerDiedException;
import io.jshmex.WorkerStartException;
import io.jshmex.shm.Segments;
import io.jshmex.transfer.TransferLink;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The parent's handle on one worker process: the process, its private channel and the
 * shared-memory link. Used by one {@link Slot} at a time, whose thread reads the worker's replies
 * and notices itself.
 */
final class WorkerProcess {
    private static final SecureRandom TOKENS = new SecureRandom();

    final Process process;
    final long pid;
    final TransferLink link;
    private final FrameChannel channel;
    private final OutputPump stderr;
    private volatile boolean closed;
    private volatile boolean killed;
    volatile int tasksRun;
    /** The array-wrapper registrations this worker has (they are sent when they change). */
    volatile int registryVersion;

    private WorkerProcess(Process process, FrameChannel channel, TransferLink link, OutputPump stderr) {
        this.process = process;
        this.pid = process.pid();
        this.channel = channel;
        this.link = link;
        this.stderr = stderr;
        link.onUrgentNotice(this::sendNotice);
        // a worker that dies while copying its result in must not leave the parent waiting
        link.peerAliveWhile(process::isAlive);
        link.onSpacePressure(() -> {
            try {
                send(Frame.control(Frame.SPACE, 0));
                drainNotices();
            } catch (IOException | WorkerGone gone) {
                // the staging that asked fails on its own; the slot then finds the worker gone
            }
        });
    }

    /**
     * Starts a worker JVM and waits until it has connected to its private socket.
     *
     * @throws WorkerStartException if it cannot be started or does not connect in time
     */
    static WorkerProcess launch(PoolSettings settings, Path socketDir, long sequence) {
        Path socketPath = socketDir.resolve("w" + sequence + ".sock");
        String token = HexFormat.of().formatHex(randomBytes());
        Process process = null;
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socketPath));
            process = new ProcessBuilder(command(settings, socketPath)).start();
            OutputPump.start(process.getInputStream(), false, "jshmex-worker-" + process.pid() + "-out");
            OutputPump stderr = OutputPump.start(process.getErrorStream(), true, "jshmex-worker-" + process.pid() + "-err");
            // the token goes by stdin, not the command line, which any user can read
            OutputStream stdin = process.getOutputStream();
            stdin.write((token + "\n").getBytes(StandardCharsets.US_ASCII));
            stdin.flush();
            SocketChannel socket = accept(server, process, stderr, settings.startTimeout().toMillis());
            Files.deleteIfExists(socketPath);
            FrameChannel channel = new FrameChannel(socket, settings.busyPoll().toNanos());
            Frame hello = channel.read(TimeUnit.MILLISECONDS.toNanos(settings.startTimeout().toMillis()));
            if (hello == null) {
                throw new IOException("the worker connected but did not say hello");
            }
            if (hello.kind != Frame.HELLO || hello.taskId != process.pid()
                || !token.equals(new String(hello.stream, StandardCharsets.UTF_8))) {
                channel.close();
                throw new IOException("a process that is not the worker connected to its socket");
            }
            TransferLink link = new TransferLink(settings.shmThresholdBytes(), settings.trimAfter().toMillis(), false);
            return new WorkerProcess(process, channel, link, stderr);
        } catch (IOException | RuntimeException e) {
            if (process != null) {
                process.destroyForcibly();
            }
            try {
                Files.deleteIfExists(socketPath);
            } catch (IOException ignored) {
                // the directory goes with the pool
            }
            if (e instanceof WorkerStartException) {
                throw (WorkerStartException) e;
            }
            throw new WorkerStartException("could not start a worker process: " + e.getMessage(), e);
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[16];
        TOKENS.nextBytes(bytes);
        return bytes;
    }

    static List<String> command(PoolSettings settings, Path socketPath) {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        // a worker out of memory is replaced rather than left half-broken
        command.add("-XX:+ExitOnOutOfMemoryError");
        System.getProperties().stringPropertyNames().stream()
            .filter(key -> key.startsWith("jshmex.") || key.startsWith("org.bytedeco.javacpp."))
            .sorted()
            .forEach(key -> command.add("-D" + key + "=" + System.getProperty(key)));
        command.addAll(settings.jvmArgs());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(WorkerMain.class.getName());
        command.add(socketPath.toString());
        command.add(Long.toString(settings.shmThresholdBytes()));
        command.add(Long.toString(settings.trimAfter().toMillis()));
        command.add(Long.toString(settings.busyPoll().toNanos()));
        return command;
    }

    private static SocketChannel accept(ServerSocketChannel server, Process process, OutputPump stderr, long timeoutMillis)
        throws IOException {
        server.configureBlocking(false);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        try (Selector selector = Selector.open()) {
            server.register(selector, SelectionKey.OP_ACCEPT);
            while (true) {
                selector.select(50);
                SocketChannel socket = server.accept();
                if (socket != null) {
                    socket.configureBlocking(true);
                    return socket;
                }
                if (!process.isAlive()) {
                    throw new WorkerStartException("worker process " + process.pid() + " exited with code "
                        + exitCode(process) + " before connecting" + lastOutput(stderr)
                        + " (check the pool's jvmArgs and class path)", null);
                }
                if (System.nanoTime() > deadline) {
                    throw new WorkerStartException("worker process " + process.pid() + " did not connect within "
                        + timeoutMillis + " ms" + lastOutput(stderr), null);
                }
            }
        }
    }

    private static int exitCode(Process process) {
        try {
            return process.waitFor(1, TimeUnit.SECONDS) ? process.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String lastOutput(OutputPump stderr) {
        String tail = stderr.tail();
        return tail.isEmpty() ? "" : "; its last output: " + tail;
    }

    /** Sends a frame, with the notices that have piled up. */
    void send(Frame frame) throws IOException {
        channel.write(new Frame(frame.kind, frame.taskId, link.takePeerBlocksDone(), link.takeDrops(), frame.table,
            frame.stream));
    }

    private void sendNotice() {
        if (closed) {
            return;
        }
        try {
            send(Frame.control(Frame.NOTICE, 0));
        } catch (IOException ignored) {
            // the reader sees the worker gone
        }
    }

    /**
     * The next reply, or null if none came within {@code timeoutNanos} (negative: wait forever).
     * Notices that come first are applied on the way.
     *
     * @throws WorkerGone if the worker died or its channel broke
     */
    Frame awaitReply(long timeoutNanos) throws WorkerGone {
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
        while (true) {
            long left = timeoutNanos > 0 ? Math.max(1, deadline - System.nanoTime()) : -1;
            if (timeoutNanos > 0 && deadline - System.nanoTime() <= 0) {
                return null;
            }
            Frame frame = readFrame(left);
            if (frame == null || !frame.isNotice()) {
                return frame;
            }
        }
    }

    /**
     * Applies the notices that came while the worker was idle (blocks it is done with), so the
     * next message can reuse them.
     *
     * @throws WorkerGone if the worker died, its channel broke, or it sent something unasked
     */
    void drainNotices() throws WorkerGone {
        while (true) {
            Frame frame = readFrame(0);
            if (frame == null) {
                return;
            }
            if (!frame.isNotice()) {
                link.markPeerGone();
                throw new WorkerGone();
            }
        }
    }

    private Frame readFrame(long timeoutNanos) throws WorkerGone {
        Frame frame;
        try {
            frame = channel.read(timeoutNanos);
        } catch (IOException | RuntimeException e) {
            link.markPeerGone();
            throw new WorkerGone();
        }
        if (frame != null) {
            link.applyNotices(frame.peerBlocksDone, frame.drops);
            if (frame.kind == Frame.NOTICE && !frame.table.isEmpty()) {
                link.adoptAnnounced(frame.table);
            }
            if (frame.kind == Frame.SPACE) {
                link.relieveForPeer();
            }
        }
        return frame;
    }

    /**
     * Waits, while idle, until the worker sends something (or dies) or {@link #wakeIdleWaiter()}
     * is called, at most {@code timeoutNanos}; returns whether something came.
     */
    boolean awaitIdle(long timeoutNanos) {
        try {
            return channel.awaitReadable(timeoutNanos);
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    /** Ends an {@link #awaitIdle} in another thread. */
    void wakeIdleWaiter() {
        channel.wakeWaiter();
    }

    /** Whether the process has ended, or ends within {@code millis}. */
    boolean exitsWithin(long millis) {
        try {
            return process.waitFor(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** Kills the process at once (a cancelled or timed-out task). */
    void kill() {
        // a killed JVM takes a while to die and keeps its socket open meanwhile: no task may go to it
        killed = true;
        process.destroyForcibly();
    }

    /** Why the worker is gone, for the task it was running. */
    WorkerDiedException death(String doing) {
        int exitCode = -1;
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            exitCode = process.isAlive() ? -1 : process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new WorkerDiedException(pid, exitCode, doing + lastOutput(stderr));
    }

    /** Asks the worker to exit; kills it if it does not within a few seconds. Frees everything. */
    void shutdown() {
        try {
            send(Frame.control(Frame.SHUTDOWN, 0));
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        release();
    }

    /** Frees the parent's side: channel, transfer blocks, and whatever the dead worker left named. */
    void release() {
        if (closed) {
            return;
        }
        closed = true;
        channel.close();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        link.close();
        if (!process.isAlive()) {
            Segments.removeCreatedBy(pid);
        }
    }

    boolean isAlive() {
        return !closed && !killed && process.isAlive();
    }

    /** The worker died or its channel broke. */
    static final class WorkerGone extends Exception {
        private static final long serialVersionUID = 1L;

        WorkerGone() {
            super(null, null, false, false);
        }
    }
}
