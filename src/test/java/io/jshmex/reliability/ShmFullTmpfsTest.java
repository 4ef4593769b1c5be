package io.jshmex.reliability;

import io.jshmex.testing.LeakCheckedTest;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A nearly full /dev/shm, for real: a child JVM in a mount namespace of its own, with a 64 MB
 * tmpfs over /dev/shm (shm_open always uses /dev/shm; the machine's stays untouched), runs about
 * twenty transfers. Those that cannot fit must fail with a ShmSpaceException that gives the sizes,
 * those that fit must work (before, after and next to the refused ones), the JVM must stay alive,
 * and nothing may be left in the small /dev/shm at the end.
 */
@ExtendWith(Report.class)
class ShmFullTmpfsTest extends LeakCheckedTest {
    private static final Pattern CASE = Pattern.compile("case (\\d+) expected=(\\S+) outcome=(\\S+) (.*)");
    private static final Pattern SUMMARY = Pattern.compile(
        "summary cases=(\\d+) ok=(\\d+) space=(\\d+) mismatches=(\\d+) left=(\\d+) total=(\\d+) .*");

    @Test
    void aSmallDevShmGivesClearExceptionsAndKeepsWorking() throws Exception {
        Tally.run(Fault.SHM_FULL_TMPFS, this::inject);
    }

    private void inject(Tally tally) throws Exception {
        try (Child child = Child.startWithPrivateShm("64m", List.of("-Xmx1g"), "shm-full")) {
            int exit = child.await(240_000);
            String output = child.output();
            String crash = child.crashReport();
            if (crash != null || exit > 128) {
                tally.crash("the child JVM died (exit " + exit + "): " + (crash != null ? crash : output));
            } else if (exit != 0) {
                tally.fail("the child JVM exited with " + exit + ": " + output);
            }
            int space = 0;
            for (String line : output.lines().toList()) {
                Matcher m = CASE.matcher(line);
                if (!m.matches()) {
                    continue;
                }
                tally.addCase();
                String expected = m.group(2);
                String outcome = m.group(3);
                tally.outcome(outcome.equals("space") ? "ShmSpaceException" : outcome);
                space += outcome.equals("space") ? 1 : 0;
                boolean fine = outcome.equals(expected)
                    || (expected.equals("either") && (outcome.equals("ok") || outcome.equals("space")));
                if (!fine) {
                    tally.fail("case " + m.group(1) + " (" + m.group(4) + "): expected " + expected + ", got " + outcome);
                }
            }
            Matcher summary = output.lines().map(SUMMARY::matcher).filter(Matcher::matches).findFirst().orElse(null);
            if (summary == null) {
                tally.fail("the child printed no summary: " + output);
                return;
            }
            if (Long.parseLong(summary.group(6)) > 64L << 20) {
                tally.fail("the child's /dev/shm was not the 64 MB tmpfs: " + summary.group());
            }
            long left = Long.parseLong(summary.group(5));
            tally.leaked(left, left + " segment(s) left in the child's /dev/shm after its pool closed");
            if (space == 0) {
                tally.fail("no transfer was refused: the scenario did not fill /dev/shm");
            }
        }
    }
}
