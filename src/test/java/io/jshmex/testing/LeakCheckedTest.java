package io.jshmex.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.jshmex.NativeShm;
import io.jshmex.shm.SegmentNames;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The base of every test: after each test, {@code /dev/shm} holds no segment of this library that
 * was not there before, and no child process of this JVM is alive. Cleanup that the library does
 * through the garbage collector gets a few collections and a few seconds before the check fails.
 */
public abstract class LeakCheckedTest {
    private static final long WAIT_MS = 10_000;

    private Set<String> segmentsBefore;
    private Set<Long> childrenBefore;

    @BeforeEach
    void recordShmAndProcesses() {
        segmentsBefore = new HashSet<>(NativeShm.list());
        childrenBefore = descendants();
    }

    @AfterEach
    void assertNothingLeaked() throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        List<String> leaked;
        Set<Long> strays;
        while (true) {
            leaked = NativeShm.list().stream().filter(name -> !segmentsBefore.contains(name))
                .filter(LeakCheckedTest::mayBeOfThisTest).collect(Collectors.toList());
            strays = descendants();
            strays.removeAll(childrenBefore);
            if ((leaked.isEmpty() && strays.isEmpty()) || System.currentTimeMillis() > deadline) {
                break;
            }
            System.gc();
            Thread.sleep(50);
        }
        if (!leaked.isEmpty()) {
            leaked.forEach(NativeShm::unlink);
            fail("test leaked " + leaked.size() + " shared-memory segment(s): " + leaked);
        }
        if (!strays.isEmpty()) {
            Set<Long> pids = strays;
            ProcessHandle.current().descendants().filter(p -> pids.contains(p.pid())).forEach(ProcessHandle::destroyForcibly);
            fail("test left " + strays.size() + " child process(es) alive: " + strays);
        }
    }

    /**
     * Whether this test may have made the segment: anything but a segment of another live process
     * that is not our descendant. Other builds and pools on the machine share /dev/shm; their
     * segments are neither our leaks nor ours to unlink.
     */
    private static boolean mayBeOfThisTest(String name) {
        long pid = SegmentNames.creatorPid(name);
        if (pid <= 0 || pid == ProcessHandle.current().pid()) {
            return true;
        }
        Optional<ProcessHandle> creator = ProcessHandle.of(pid);
        if (creator.isEmpty() || !creator.get().isAlive()) {
            return true;
        }
        Optional<ProcessHandle> p = creator.get().parent();
        for (int hops = 0; p.isPresent() && hops < 64; hops++, p = p.get().parent()) {
            if (p.get().pid() == ProcessHandle.current().pid()) {
                return true;
            }
        }
        return false;
    }

    private static Set<Long> descendants() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
            .collect(Collectors.toCollection(HashSet::new));
    }
}
