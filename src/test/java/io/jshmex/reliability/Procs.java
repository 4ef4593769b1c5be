package io.jshmex.reliability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Processes as the kernel sees them. */
final class Procs {
    static final String WORKER_MAIN = "io.jshmex.pool.WorkerMain";

    private Procs() {
    }

    /**
     * Whether a process runs. A zombie does not: a worker whose parent was killed is reparented,
     * and until its new parent reaps it, ProcessHandle may still call it alive. But a JVM's main
     * thread turns zombie first while its other threads still tear down (and still hold its
     * sockets and mappings): it is dead only once it is the last thread left.
     */
    static boolean alive(long pid) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.ISO_8859_1);
            int close = stat.lastIndexOf(')');
            if (close < 0 || close + 2 >= stat.length()) {
                return true;
            }
            char state = stat.charAt(close + 2);
            if (state != 'Z' && state != 'X') {
                return true;
            }
            try (Stream<Path> threads = Files.list(Path.of("/proc/" + pid + "/task"))) {
                return threads.count() > 1;
            }
        } catch (IOException gone) {
            return false;
        }
    }

    /** Live descendants of this JVM. */
    static Set<Long> descendants() {
        return ProcessHandle.current().descendants().map(ProcessHandle::pid).filter(Procs::alive)
            .collect(Collectors.toCollection(TreeSet::new));
    }

    static Set<Long> descendantsOf(long pid) {
        return ProcessHandle.of(pid).map(p -> p.descendants().map(ProcessHandle::pid).filter(Procs::alive)
            .collect(Collectors.toCollection(TreeSet::new))).orElseGet(TreeSet::new);
    }

    /** Live worker JVMs among this JVM's descendants. */
    static List<ProcessHandle> workers() {
        return ProcessHandle.current().descendants().filter(p -> alive(p.pid()))
            .filter(p -> p.info().arguments().map(args -> List.of(args).contains(WORKER_MAIN)).orElse(false))
            .collect(Collectors.toList());
    }

    /** Waits until none of {@code pids} is alive; returns those still alive after {@code millis}. */
    static Set<Long> awaitGone(Collection<Long> pids, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        Set<Long> left = new TreeSet<>(pids);
        while (true) {
            left.removeIf(pid -> !alive(pid));
            if (left.isEmpty() || System.currentTimeMillis() > deadline) {
                return left;
            }
            Thread.sleep(10);
        }
    }

    /** Kills every live descendant with SIGKILL; returns their pids. */
    static Set<Long> killDescendants() {
        Set<Long> killed = new TreeSet<>();
        ProcessHandle.current().descendants().forEach(p -> {
            killed.add(p.pid());
            p.destroyForcibly();
        });
        return killed;
    }
}
