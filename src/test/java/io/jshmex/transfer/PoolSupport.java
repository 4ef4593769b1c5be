package io.jshmex.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.NativeShm;
import io.jshmex.ProcessPoolExecutor;
import io.jshmex.pool.WorkerMain;
import io.jshmex.shm.Mapping;
import io.jshmex.shm.SegmentNames;
import io.jshmex.shm.Views;
import io.jshmex.testing.Gc;
import java.nio.Buffer;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/** What the end-to-end transfer tests share: a one-worker pool, and eyes on /dev/shm and the workers. */
final class PoolSupport {
    /** Only a guard against a hung pool; the tasks take milliseconds. */
    static final long GET_TIMEOUT_SECONDS = 120;

    private PoolSupport() {
    }

    static ProcessPoolExecutor oneWorker() {
        return ProcessPoolExecutor.builder().maxWorkers(1).build();
    }

    static <T> T get(Future<T> future) throws Exception {
        return future.get(GET_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** The exception a task failed with (the cause of the ExecutionException). */
    static Throwable failure(Future<?> future) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(GET_TIMEOUT_SECONDS, TimeUnit.SECONDS));
        return e.getCause();
    }

    /** The name of the segment a direct buffer lies in, or null if it lies in none of this library's. */
    static String segmentOf(Buffer buffer) {
        Mapping mapping = Mapping.containing(Views.address(buffer));
        return mapping == null ? null : mapping.name();
    }

    /** A name for a user's segment, listed by NativeShm.list() and told apart from other runs' by our pid. */
    static String userSegmentName(String tag) {
        return "jshmex_test_" + ProcessHandle.current().pid() + "_" + tag + "_" + System.nanoTime() % 1_000_000;
    }

    /** The worker processes of pools in this JVM. */
    static List<ProcessHandle> workerProcesses() {
        return ProcessHandle.current().descendants()
            .filter(p -> p.info().commandLine().map(c -> c.contains(WorkerMain.class.getName())).orElse(false))
            .collect(Collectors.toList());
    }

    /** SIGKILL for every worker, and waits until they are gone. */
    static int killWorkers() throws Exception {
        List<ProcessHandle> workers = workerProcesses();
        for (ProcessHandle worker : workers) {
            worker.destroyForcibly();
        }
        for (ProcessHandle worker : workers) {
            worker.onExit().get(30, TimeUnit.SECONDS);
        }
        return workers.size();
    }

    static void waitFor(String what, BooleanSupplier condition) {
        assertTrue(Gc.until(condition), "gave up waiting: " + what);
    }

    /**
     * The library's segments that appeared in /dev/shm since it was made, and that this JVM or
     * its workers (alive or dead) made, or that carry this JVM's pid in a user's name: what other
     * builds on the machine do is not ours to see.
     */
    static final class ShmWatch {
        private final Set<String> before = new HashSet<>(NativeShm.list());
        private final String ownTag = "_" + ProcessHandle.current().pid() + "_";

        Set<String> appeared() {
            return NativeShm.list().stream().filter(name -> !before.contains(name)).filter(this::ours)
                .collect(Collectors.toCollection(TreeSet::new));
        }

        private boolean ours(String name) {
            long pid = SegmentNames.creatorPid(name);
            if (pid <= 0) {
                return name.contains(ownTag);
            }
            if (pid == ProcessHandle.current().pid()) {
                return true;
            }
            Optional<ProcessHandle> creator = ProcessHandle.of(pid);
            if (creator.isEmpty() || !creator.get().isAlive()) {
                return true;
            }
            return ProcessHandle.current().descendants().anyMatch(p -> p.pid() == pid);
        }

        /** Between tasks: nothing but what the test itself made. */
        void assertOnly(Set<String> madeByTest, String when) {
            assertEquals(new TreeSet<>(madeByTest), appeared(), "segments in /dev/shm " + when);
        }
    }
}
