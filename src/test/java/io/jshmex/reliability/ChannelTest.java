package io.jshmex.reliability;

import io.jshmex.NativeShm;
import io.jshmex.ProcessPoolExecutor;
import io.jshmex.SerializableCallable;
import io.jshmex.SerializableFunction;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.PoolTestSupport;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The workers' channel: a Unix-domain socket in a directory only this user can enter (0700), whose
 * file is gone once the worker has connected, never a TCP port; the one-time token is not on any
 * command line; and a client that reaches the socket before the worker, claiming to be it with a
 * wrong token or saying nothing at all, is turned away without stopping the pool for long.
 *
 * <p>The socket exists only between the pool binding it and its worker connecting; the test gets
 * there first by pointing java.io.tmpdir (read when a pool makes its socket directory) at a
 * directory of its own and watching it.
 */
@ExtendWith(Report.class)
class ChannelTest extends LeakCheckedTest {
    private static final Pattern TOKEN_LIKE = Pattern.compile("[0-9a-f]{32}");

    @Test
    void theChannelIsAPrivateSocketThatTurnsImpostorsAway() throws Exception {
        Tally.run(Fault.CHANNEL, this::inject);
    }

    private void inject(Tally tally) throws Exception {
        Aftermath after = new Aftermath(tally);
        Set<Long> listenersBefore = tcpListenersOf(Set.of(ProcessHandle.current().pid()));
        try (PoolGuard guard = new PoolGuard(ProcessPoolExecutor.builder().maxWorkers(2).build(), tally)) {
            ProcessPoolExecutor pool = guard.pool;
            pool.prestartAllWorkers();
            // two tasks that wait for each other: both workers are then connected and busy
            IntBuffer flags = NativeShm.ints(3);
            List<Future<Integer>> both = new ArrayList<>();
            for (int i = 1; i <= 2; i++) {
                int mine = i;
                both.add(pool.submit((SerializableCallable<Integer>) () -> {
                    flags.put(mine, 1);
                    Shared.spinUntil(flags, 0);
                    return mine;
                }));
            }
            if (!Shared.await(flags, 1, 60_000) || !Shared.await(flags, 2, 60_000)) {
                tally.fail("the two workers did not both start a task");
            }
            List<ProcessHandle> workers = Procs.workers();
            if (workers.size() != 2) {
                tally.fail("expected 2 workers, found " + workers.size());
            }
            Set<Path> dirs = new HashSet<>();
            for (ProcessHandle worker : workers) {
                List<String> args = List.of(worker.info().arguments().orElse(new String[0]));
                int main = args.indexOf(Procs.WORKER_MAIN);
                if (main < 0 || main + 1 >= args.size()) {
                    tally.fail("cannot read worker " + worker.pid() + "'s command line: " + args);
                    continue;
                }
                Path socket = Path.of(args.get(main + 1));
                dirs.add(socket.getParent());
                if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                    tally.fail("the socket file " + socket + " still exists once its worker connected");
                }
                if (args.stream().anyMatch(arg -> TOKEN_LIKE.matcher(arg).find())) {
                    tally.fail("a worker's command line holds something like a token: " + args);
                }
                Set<Long> tcp = socketsOf(worker.pid(), tcpInodes(false));
                if (!tcp.isEmpty()) {
                    tally.fail("worker " + worker.pid() + " has TCP sockets: " + tcp);
                }
                if (socketsOf(worker.pid(), unixInodes()).isEmpty()) {
                    tally.fail("worker " + worker.pid() + " has no Unix-domain socket");
                }
            }
            tally.addCase();
            for (Path dir : dirs) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS));
                Object owner = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                Object me = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
                if (!mode.equals("rwx------") || !owner.equals(me) || !dir.getFileName().toString().startsWith("jshmex-")) {
                    tally.fail("socket directory " + dir + " is " + mode + " owned by uid " + owner);
                }
            }
            tally.addCase();
            Set<Long> pids = new HashSet<>(Set.of(ProcessHandle.current().pid()));
            workers.forEach(w -> pids.add(w.pid()));
            Set<Long> listenersAfter = tcpListenersOf(pids);
            listenersAfter.removeAll(listenersBefore);
            if (!listenersAfter.isEmpty()) {
                tally.fail("a TCP port is listening since the pool started: socket inodes " + listenersAfter);
            }
            tally.addCase();
            flags.put(0, 1);
            for (Future<Integer> f : both) {
                f.get(60, TimeUnit.SECONDS);
            }
            NativeShm.release(flags);
            guard.stop();
            for (Path dir : dirs) {
                if (Files.exists(dir)) {
                    tally.fail("the socket directory " + dir + " outlived its pool");
                }
            }
        }
        impostor(tally, after, true);
        impostor(tally, after, false);
        after.settle("end", 0, Set.of());
    }

    /**
     * A client that connects to the socket before the worker: with a HELLO that claims the worker's
     * pid and has a wrong token, or silent.
     */
    private static void impostor(Tally tally, Aftermath after, boolean speaks) throws Exception {
        String label = speaks ? "impostor with a wrong token" : "silent impostor";
        Path home = Files.createTempDirectory(Path.of("/tmp"), "jrel-");
        String tmpdir = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", home.toString());
        CompletableFuture<String> verdict = new CompletableFuture<>();
        Thread client = new Thread(() -> verdict.complete(intrude(home, speaks)), "impostor");
        client.setDaemon(true);
        try (PoolGuard guard = new PoolGuard(ProcessPoolExecutor.builder().maxWorkers(1)
            .startTimeout(Duration.ofSeconds(2)).build(), tally)) {
            ProcessPoolExecutor pool = guard.pool;
            client.start();
            pool.prestartAllWorkers();
            long started = System.nanoTime();
            Future<double[]> task = pool.submit((SerializableFunction<double[], double[]>) PoolTestSupport::plusOne,
                new double[] {41});
            try {
                double[] y = task.get(20, TimeUnit.SECONDS);
                if (y[0] != 42) {
                    tally.fail(label + ": the pool's task returned " + y[0]);
                }
                long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
                if (seconds > 5) {
                    tally.fail(label + ": the pool's first task waited " + seconds + " s for the impostor to go away");
                }
            } catch (TimeoutException e) {
                tally.fail(label + ": the pool's first task did not complete within 20 s");
            }
            String seen = verdict.get(30, TimeUnit.SECONDS);
            if (seen.startsWith("FAIL")) {
                tally.fail(label + ": " + seen);
            } else {
                tally.outcome(label + ": " + seen);
            }
            after.check(label, pool, 1);
        } finally {
            System.setProperty("java.io.tmpdir", tmpdir);
            client.interrupt();
            try (Stream<Path> left = Files.walk(home)) {
                left.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        tally.addCase();
    }

    /** What the impostor saw: "turned away", "never reached the socket", or "FAIL: ...". */
    private static String intrude(Path home, boolean speaks) {
        long deadline = System.currentTimeMillis() + 30_000;
        Path socket = null;
        while (socket == null && System.currentTimeMillis() < deadline) {
            try (Stream<Path> files = Files.walk(home, 2)) {
                socket = files.filter(p -> p.getFileName().toString().endsWith(".sock")).findFirst().orElse(null);
            } catch (IOException raced) {
                socket = null;
            }
            Thread.onSpinWait();
        }
        if (socket == null) {
            return "FAIL: no socket appeared";
        }
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            long claimed = 0;
            for (int i = 0; i < 200 && claimed == 0; i++) {
                claimed = Procs.workers().stream().map(ProcessHandle::pid).findFirst().orElse(0L);
                Thread.sleep(5);
            }
            if (speaks) {
                channel.write(ByteBuffer.wrap(hello(claimed, "0".repeat(32))));
            }
            channel.configureBlocking(true);
            ByteBuffer reply = ByteBuffer.allocate(1024);
            CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return channel.read(reply);
                } catch (IOException e) {
                    return -1;
                }
            });
            int got;
            try {
                got = read.get(speaks ? 10 : 6, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                return speaks ? "FAIL: the parent neither answered nor closed the connection in 10 s"
                    : "kept waiting 6 s, then left";
            }
            return got <= 0 ? "turned away" : "FAIL: the parent sent " + got + " bytes to a client with a wrong token";
        } catch (IOException e) {
            return "never reached the socket (" + e.getMessage() + ")";
        } catch (Exception e) {
            return "FAIL: " + e;
        }
    }

    /** A HELLO frame written from the protocol's description in Frame, not with the library's code. */
    private static byte[] hello(long pid, String token) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(body);
        out.writeByte(1);
        out.writeLong(pid);
        out.writeInt(0);
        out.writeInt(0);
        out.writeInt(0);
        byte[] bytes = token.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
        out.flush();
        ByteBuffer frame = ByteBuffer.allocate(4 + body.size());
        frame.putInt(body.size()).put(body.toByteArray());
        return frame.array();
    }

    // ---- /proc ----

    private static Set<Long> tcpListenersOf(Set<Long> pids) throws IOException {
        Set<Long> listening = tcpInodes(true);
        Set<Long> found = new HashSet<>();
        for (long pid : pids) {
            found.addAll(socketsOf(pid, listening));
        }
        return found;
    }

    /** Inodes of TCP sockets (IPv4 and IPv6), only listening ones if asked. */
    private static Set<Long> tcpInodes(boolean listeningOnly) throws IOException {
        Set<Long> inodes = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path path = Path.of(table);
            if (!Files.exists(path)) {
                continue;
            }
            for (String line : Files.readAllLines(path).subList(1, Files.readAllLines(path).size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && (!listeningOnly || f[3].equals("0A"))) {
                    inodes.add(Long.parseLong(f[9]));
                }
            }
        }
        return inodes;
    }

    private static Set<Long> unixInodes() throws IOException {
        return Files.readAllLines(Path.of("/proc/net/unix")).stream().skip(1).map(line -> line.trim().split("\\s+"))
            .filter(f -> f.length > 6).map(f -> Long.parseLong(f[6])).collect(Collectors.toSet());
    }

    /** The socket inodes among {@code among} that process {@code pid} holds open. */
    private static Set<Long> socketsOf(long pid, Set<Long> among) {
        Set<Long> held = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            fds.forEach(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        long inode = Long.parseLong(target.substring(8, target.length() - 1));
                        if (among.contains(inode)) {
                            held.add(inode);
                        }
                    }
                } catch (IOException | RuntimeException closedMeanwhile) {
                    // the descriptor went away while we listed
                }
            });
        } catch (IOException gone) {
            return held;
        }
        return held;
    }
}
