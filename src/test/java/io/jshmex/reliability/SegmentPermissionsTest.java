package io.jshmex.reliability;

import io.jshmex.NativeShm;
import io.jshmex.ProcessPoolExecutor;
import io.jshmex.SerializableCallable;
import io.jshmex.SerializableFunction;
import io.jshmex.ShmSegment;
import io.jshmex.shm.SegmentNames;
import io.jshmex.shm.Shm;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.PoolTestSupport;
import java.io.IOException;
import java.nio.DoubleBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every segment the library makes is mode 0600 and owned by this user, seen from outside, as the
 * kernel lists it: a thread samples /dev/shm while transfers of 8-64 MB run both ways (transfer
 * blocks live under their name only until the receiver maps them, so a short trim delay makes the
 * pool create new ones often), and while the caller and the task make NativeShm buffers.
 */
@ExtendWith(Report.class)
class SegmentPermissionsTest extends LeakCheckedTest {
    @Test
    void everySegmentSeenDuringTransfersIs0600() throws Exception {
        Tally.run(Fault.PERMISSIONS, this::inject);
    }

    private void inject(Tally tally) throws Exception {
        int transfers = Scale.of(12, 60);
        Map<String, String> seen = new ConcurrentHashMap<>();
        Set<Long> family = ConcurrentHashMap.newKeySet();
        family.add(ProcessHandle.current().pid());
        Object me = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        AtomicBoolean running = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (running.get()) {
                ProcessHandle.current().descendants().forEach(p -> family.add(p.pid()));
                sample(family, me, seen);
            }
        }, "shm-sampler");
        try (PoolGuard guard = new PoolGuard(ProcessPoolExecutor.builder().maxWorkers(1)
            .trimAfter(Duration.ofMillis(20)).build(), tally)) {
            ProcessPoolExecutor pool = guard.pool;
            pool.prestartAllWorkers();
            sampler.start();
            try (ShmSegment mine = NativeShm.create(1 << 20)) {
                DoubleBuffer shared = NativeShm.doubles(1 << 20);
                for (int t = 0; t < transfers; t++) {
                    int mb = 8 + (t * 7) % 57;
                    double[] x = new double[mb * 131072];
                    x[0] = t;
                    double[] y = pool.submit((SerializableFunction<double[], double[]>) PoolTestSupport::plusOne, x)
                        .get(60, TimeUnit.SECONDS);
                    int n = mb * 131072;
                    DoubleBuffer made = pool.submit((SerializableCallable<DoubleBuffer>) () -> {
                        shared.put(0, shared.get(0) + 1);
                        return NativeShm.doubles(n);
                    }).get(60, TimeUnit.SECONDS);
                    if (y[0] != t + 1 || made.capacity() != n) {
                        tally.fail("transfer " + t + " returned a wrong value");
                    }
                    NativeShm.release(made);
                    // idle past the trim delay: the next transfer of another size makes new blocks
                    Thread.sleep(25);
                }
                sample(family, me, seen);
                if (!seen.containsKey(mine.name()) || !seen.containsKey(Shared.segmentOf(shared))) {
                    tally.fail("the sampler missed the caller's own segments: it sees nothing");
                }
                NativeShm.release(shared);
            } finally {
                running.set(false);
                sampler.join();
            }
        }
        long wrong = seen.values().stream().filter(mode -> !mode.equals("rw-------")).count();
        seen.forEach((name, mode) -> {
            if (!mode.equals("rw-------")) {
                tally.fail(name + " is " + mode);
            }
        });
        tally.cases(seen.size());
        tally.note(seen.size() + " distinct segments seen, " + wrong + " not 0600");
        new Aftermath(tally).settle("end", 0, Set.of());
    }

    private static void sample(Set<Long> family, Object me, Map<String, String> seen) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(Path.of(Shm.SHM_DIR), "jshmex_*")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (seen.containsKey(name) || !family.contains(SegmentNames.creatorPid(name))) {
                    continue;
                }
                try {
                    PosixFileAttributes attributes = Files.readAttributes(file, PosixFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                    Object owner = Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                    String mode = PosixFilePermissions.toString(attributes.permissions());
                    seen.put(name, owner.equals(me) ? mode : mode + " owned by uid " + owner);
                } catch (IOException unlinkedMeanwhile) {
                    // the receiver unlinked it between the listing and the stat
                }
            }
        } catch (IOException e) {
            // /dev/shm changed under the listing: the next round sees it again
        }
    }
}
