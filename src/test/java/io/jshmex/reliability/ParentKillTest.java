package io.jshmex.reliability;

import io.jshmex.NativeShm;
import io.jshmex.ProcessPoolExecutor;
import io.jshmex.shm.SegmentNames;
import io.jshmex.testing.LeakCheckedTest;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The parent JVM killed with SIGKILL while it moves 32 MB arrays and buffers to and from two
 * workers. Its workers must notice (their stdin closes) and exit within 10 s, and
 * {@code NativeShm.clearOrphans()} must remove every segment the dead processes left (and the next
 * pool the dead parent's socket directory): afterwards
 * {@code list()} holds no name of theirs.
 */
@ExtendWith(Report.class)
class ParentKillTest extends LeakCheckedTest {
    private static final long WORKER_EXIT_LIMIT_MS = 10_000;

    @Test
    void killedParentsWorkersExitAndOrphansAreCleared() throws Exception {
        Tally.run(Fault.PARENT_SIGKILL, this::inject);
    }

    private void inject(Tally tally) throws Exception {
        int cases = Scale.of(3, 10);
        Random random = new Random();
        long slowestExit = 0;
        int leftTotal = 0;
        int dirsTotal = 0;
        for (int c = 0; c < cases; c++) {
            String label = "case " + c;
            try (Child child = Child.start(List.of("-Xmx1g"), "parent-loop", "32")) {
                if (child.awaitLine("ready", 120_000) == null) {
                    tally.fail(label + ": the child pool never got ready: " + child.output());
                    continue;
                }
                Thread.sleep(random.nextInt(500));
                long parent = child.process.pid();
                Set<Long> workers = Procs.descendantsOf(parent);
                if (workers.size() != 2) {
                    tally.fail(label + ": expected 2 workers under the child, found " + workers);
                }
                child.process.destroyForcibly();
                long killedAt = System.nanoTime();
                child.await(30_000);
                Set<Long> alive = Procs.awaitGone(workers, WORKER_EXIT_LIMIT_MS);
                long exitMillis = (System.nanoTime() - killedAt) / 1_000_000;
                slowestExit = Math.max(slowestExit, exitMillis);
                if (!alive.isEmpty()) {
                    tally.strays(alive.size(), label + ": workers alive 10 s after their parent was killed: " + alive);
                    alive.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
                }
                String crash = child.crashReport();
                if (crash != null) {
                    tally.crash(label + ": the child crashed before the kill: " + crash);
                }
                Set<Long> dead = new TreeSet<>(workers);
                dead.add(parent);
                List<String> left = namesOf(dead);
                leftTotal += left.size();
                int dirs = socketDirsOf(parent).size();
                if (dirs == 0) {
                    tally.fail(label + ": the killed parent left no socket directory: the check below proves nothing");
                }
                dirsTotal += dirs;
                // the next pool removes the dead parent's socket directory
                ProcessPoolExecutor.builder().maxWorkers(1).build().close();
                List<Path> dirsLeft = socketDirsOf(parent);
                if (!dirsLeft.isEmpty()) {
                    tally.fail(label + ": the next pool left the dead parent's socket directories " + dirsLeft);
                }
                NativeShm.clearOrphans();
                List<String> still = namesOf(dead);
                if (!still.isEmpty()) {
                    tally.leaked(still.size(), label + ": clearOrphans() left segments of dead processes " + dead + ": "
                        + still);
                    still.forEach(NativeShm::unlink);
                }
            }
            tally.addCase();
        }
        tally.note("segments left by the dead: " + leftTotal + ", all removed by clearOrphans; socket directories "
            + "left: " + dirsTotal + ", all removed by the next pool; slowest worker exit " + slowestExit + " ms");
        new Aftermath(tally).settle("end", 0, Set.of());
    }

    /** The socket directories of a pool in process {@code pid} (in /tmp, or a short java.io.tmpdir). */
    private static List<Path> socketDirsOf(long pid) throws IOException {
        List<Path> found = new ArrayList<>();
        for (String base : new TreeSet<>(List.of("/tmp", System.getProperty("java.io.tmpdir")))) {
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Paths.get(base), "jshmex-" + pid + "-*")) {
                dirs.forEach(found::add);
            }
        }
        return found;
    }

    private static List<String> namesOf(Set<Long> pids) {
        return NativeShm.list().stream().filter(name -> pids.contains(SegmentNames.creatorPid(name)))
            .collect(Collectors.toList());
    }
}
