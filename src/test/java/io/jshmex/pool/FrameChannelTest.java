package io.jshmex.pool;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.testing.LeakCheckedTest;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The channel's waits: busy polling first, then blocking, and wake-ups that end either. */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FrameChannelTest extends LeakCheckedTest {
    private static final long LONG_POLL = TimeUnit.SECONDS.toNanos(20);

    private Path dir;
    private SocketChannel near;
    private SocketChannel far;
    private final List<FrameChannel> opened = new ArrayList<>();

    @BeforeEach
    void connect() throws IOException {
        dir = Files.createTempDirectory("jshmex-channel-test");
        Path path = dir.resolve("s.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            far = SocketChannel.open(UnixDomainSocketAddress.of(path));
            near = server.accept();
        }
        Files.delete(path);
    }

    @AfterEach
    void disconnect() throws IOException {
        opened.forEach(FrameChannel::close);
        near.close();
        far.close();
        Files.delete(dir);
    }

    private FrameChannel channel(SocketChannel socket, long busyPollNanos) throws IOException {
        FrameChannel channel = new FrameChannel(socket, busyPollNanos);
        opened.add(channel);
        return channel;
    }

    private static Frame frame(String text) {
        return new Frame(Frame.TASK, 7, null, null, null, text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldReadAFrameThatArrivesWhilePolling() throws Exception {
        FrameChannel waiting = channel(near, LONG_POLL);
        FrameChannel sending = channel(far, 0);
        CompletableFuture<Frame> read = CompletableFuture.supplyAsync(() -> {
            try {
                return waiting.read(TimeUnit.SECONDS.toNanos(30));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50);
        sending.write(frame("hello"));

        Frame got = read.get(10, SECONDS);
        assertNotNull(got);
        assertEquals(7, got.taskId);
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), got.stream);
    }

    @Test
    void shouldEndAWaitWokenWhilePollingLongBeforeThePollEnds() throws Exception {
        FrameChannel waiting = channel(near, LONG_POLL);
        CompletableFuture<Boolean> wait = CompletableFuture.supplyAsync(() -> awaitReadable(waiting));
        Thread.sleep(100);
        waiting.wakeWaiter();

        // the poll alone would last 20 s
        assertFalse(wait.get(10, SECONDS), "a wake-up is not something to read");
    }

    @Test
    void shouldEndAWaitWokenAfterThePollWhileBlocked() throws Exception {
        FrameChannel waiting = channel(near, TimeUnit.MILLISECONDS.toNanos(1));
        CompletableFuture<Boolean> wait = CompletableFuture.supplyAsync(() -> awaitReadable(waiting));
        Thread.sleep(300);
        assertFalse(wait.isDone(), "the wait ended with nothing to read and no wake-up");
        waiting.wakeWaiter();

        assertFalse(wait.get(10, SECONDS));
        // the wake-up was used up: the next wait lasts until something comes
        CompletableFuture<Boolean> next = CompletableFuture.supplyAsync(() -> awaitReadable(waiting));
        Thread.sleep(300);
        assertFalse(next.isDone(), "a used wake-up ended a later wait");
        channel(far, 0).write(frame("x"));
        assertTrue(next.get(10, SECONDS));
    }

    @Test
    void shouldNotMissAWakeUpThatCameJustBeforeTheWait() throws Exception {
        for (long poll : new long[] {0, LONG_POLL}) {
            FrameChannel waiting = channel(near, poll);
            waiting.wakeWaiter();
            assertFalse(CompletableFuture.supplyAsync(() -> awaitReadable(waiting)).get(10, SECONDS),
                "poll " + poll + " ns");
        }
    }

    @Test
    void shouldTimeOutWithNothingToReadWhetherPollingOrNot() throws Exception {
        for (long poll : new long[] {0, TimeUnit.MILLISECONDS.toNanos(5)}) {
            FrameChannel waiting = channel(near, poll);
            assertNull(waiting.read(TimeUnit.MILLISECONDS.toNanos(50)), "poll " + poll + " ns");
            assertNull(waiting.read(0), "poll " + poll + " ns");
        }
    }

    private static boolean awaitReadable(FrameChannel channel) {
        try {
            return channel.awaitReadable(TimeUnit.SECONDS.toNanos(60));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
