package io.jshmex.reliability;

import io.jshmex.testing.LeakCheckedTest;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Round trips of 160 MB direct buffers that nobody releases: each task receives the buffer the
 * last one returned and returns a fresh NativeShm buffer of 160 MB. Only the garbage collector
 * frees them, so the library's pressure (a GC once mapped memory passes half of /dev/shm) is what
 * keeps /dev/shm from filling. The child runs with a private 1.5 GB tmpfs over /dev/shm when it can
 * (nine such buffers; a fill fails the run at once, and the peak is measured exactly); otherwise on
 * the machine's /dev/shm with the GC threshold lowered to 1 GiB.
 */
@ExtendWith(Report.class)
class MemoryPressureTest extends LeakCheckedTest {
    /**
     * Nine 160 MB buffers: room for what one round trip has in flight (the caller's block, the
     * previous result being sent back, the new result) and for the views that wait for a GC.
     */
    private static final String TMPFS = "1500m";
    private static final Pattern SUMMARY = Pattern.compile(
        "summary rounds=(\\d+) wrong=(\\d+) peakUsed=(\\d+) peakMapped=(\\d+) total=(\\d+) gcThreshold=(\\d+) seconds=(\\d+)"
            + " failure=(.*)");

    @Test
    void unreleasedBuffersDoNotFillDevShm() throws Exception {
        Tally.run(Fault.MEMORY_PRESSURE, this::inject);
    }

    private void inject(Tally tally) throws Exception {
        int rounds = Scale.of(30, 1000);
        boolean isolated = Child.privateShmWorks();
        List<String> jvm = isolated ? List.of("-Xmx1g") : List.of("-Xmx1g", "-Djshmex.gcThresholdBytes=" + (1L << 30));
        try (Child child = isolated ? Child.startWithPrivateShm(TMPFS, jvm, "pressure", Integer.toString(rounds))
            : Child.start(jvm, "pressure", Integer.toString(rounds))) {
            int exit = child.await(Scale.of(300_000L, 1_800_000L));
            String output = child.output();
            String crash = child.crashReport();
            if (crash != null || exit > 128) {
                tally.crash("the child JVM died (exit " + exit + "): " + (crash != null ? crash : output));
                return;
            }
            Matcher m = output.lines().map(SUMMARY::matcher).filter(Matcher::matches).findFirst().orElse(null);
            if (exit != 0 || m == null) {
                tally.fail("the child failed (exit " + exit + "): " + output);
                return;
            }
            boolean failed = !m.group(8).equals("none");
            tally.cases(Long.parseLong(m.group(1)) + (failed ? 1 : 0));
            if (failed) {
                tally.fail("a round trip failed after " + m.group(1) + " of " + rounds + ": " + m.group(8));
            }
            long wrong = Long.parseLong(m.group(2));
            long peakUsed = Long.parseLong(m.group(3));
            long total = Long.parseLong(m.group(5));
            long threshold = Long.parseLong(m.group(6));
            if (wrong > 0) {
                tally.fail(wrong + " round trip(s) returned a wrong buffer");
            }
            // the pressure threshold, plus what is in flight at once: the caller's send block, the
            // worker's view of it, the buffer being returned, and a block of slack per side
            long bound = threshold + 4 * 170_000_000L;
            if (isolated && peakUsed > bound) {
                tally.fail("/dev/shm use peaked at " + peakUsed + " bytes, above the GC threshold plus four buffers ("
                    + bound + ")");
            }
            tally.note((isolated ? "private " + total / (1 << 20) + " MiB tmpfs" : "machine /dev/shm") + ", peak in use "
                + peakUsed / (1 << 20) + " MiB, GC threshold " + threshold / (1 << 20) + " MiB, " + m.group(7) + " s");
        }
    }
}
