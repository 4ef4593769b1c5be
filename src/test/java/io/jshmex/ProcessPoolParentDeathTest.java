package io.jshmex;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.shm.SegmentNames;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.PoolParentMain;
import io.jshmex.testing.PoolTestSupport;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Workers must not outlive a parent that is killed without any chance to clean up. */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessPoolParentDeathTest extends LeakCheckedTest {

    @Test
    void shouldEndEveryWorkerWhenTheParentIsKilled() throws Exception {
        Process parent = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--enable-native-access=ALL-UNNAMED",
            "-Xmx256m",
            "-cp", System.getProperty("java.class.path"),
            PoolParentMain.class.getName())
            .redirectErrorStream(true)
            .start();
        parent.getOutputStream().close();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (java.io.IOException ignored) {
                // the parent is gone
            }
        });
        reader.setDaemon(true);
        reader.start();
        Set<Long> workers = new HashSet<>();
        long busy = -1;
        boolean ready = false;
        List<String> seen = new ArrayList<>();
        try {
            long deadline = System.currentTimeMillis() + 60_000;
            while (!(ready && busy > 0) && System.currentTimeMillis() < deadline) {
                String line = lines.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (line == null) {
                    continue;
                }
                seen.add(line);
                if (line.startsWith("worker=")) {
                    workers.add(Long.parseLong(line.substring("worker=".length())));
                } else if (line.startsWith("running=")) {
                    busy = Long.parseLong(line.substring("running=".length()));
                } else if (line.equals("ready")) {
                    ready = true;
                }
            }
            assertTrue(ready && busy > 0, "the pool's owner never got ready: " + seen);
            assertEquals(2, workers.size(), "workers: " + seen);
            assertTrue(workers.contains(busy), "the busy worker " + busy + " is not among " + workers);

            parent.destroyForcibly();
            assertTrue(parent.waitFor(10, SECONDS));

            for (long worker : workers) {
                assertTrue(PoolTestSupport.exitsWithin(worker, Duration.ofSeconds(10)),
                    "worker " + worker + " outlived its parent by 10 s");
            }
            NativeShm.clearOrphans();
            Set<Long> gone = new HashSet<>(workers);
            gone.add(parent.pid());
            List<String> left = NativeShm.list().stream()
                .filter(name -> gone.contains(SegmentNames.creatorPid(name))).collect(Collectors.toList());
            assertEquals(List.of(), left, "segments of the dead parent or its workers are left");
        } finally {
            parent.destroyForcibly();
            for (long worker : workers) {
                ProcessHandle.of(worker).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }
}
