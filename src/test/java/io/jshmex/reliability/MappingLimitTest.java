package io.jshmex.reliability;

import io.jshmex.testing.ChildJvm;
import io.jshmex.testing.LeakCheckedTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A process that reaches the kernel's limit on mappings ({@code vm.max_map_count}) dies in the
 * JVM's next allocation. In a child JVM whose jshmex limit is 40 mappings, creating segments past
 * it, and a task whose 60 buffers would arrive as 60 views (a block each), must be refused with an
 * exception that says why; the pool must carry on (60 arrays, which share one block, go through
 * right after), the JVM must stay alive, and nothing may be left in /dev/shm.
 */
@ExtendWith(Report.class)
class MappingLimitTest extends LeakCheckedTest {
    private static final int LIMIT = 40;
    private static final String LIMIT_MESSAGE = "holds " + LIMIT + " shared-memory mappings, the most jshmex makes";

    @Test
    void mappingsPastTheLimitAreRefusedAndThePoolCarriesOn() throws Exception {
        Tally.run(Fault.MAPPING_LIMIT, this::inject);
    }

    private void inject(Tally tally) throws Exception {
        int cases = Scale.of(3, 10);
        Aftermath after = new Aftermath(tally);
        for (int c = 0; c < cases; c++) {
            String label = "case " + c;
            ChildJvm.Result child = ChildJvm.run(List.of("-Djshmex.maxMappings=" + LIMIT), "mapping-limit", "60");
            String output = child.output();
            List<Long> family = new ArrayList<>();
            family.addAll(child.linesStartingWith("pid=").stream().map(Long::parseLong).toList());
            family.addAll(child.linesStartingWith("worker=").stream().map(Long::parseLong).toList());
            after.remember(family);
            if (child.exitCode() > 128 || output.contains("hs_err")) {
                tally.crash(label + ": the child JVM died (exit " + child.exitCode() + "): " + output);
            } else if (child.exitCode() != 0) {
                tally.fail(label + ": the child JVM exited with " + child.exitCode() + ": " + output);
            } else {
                expect(tally, label, child, "refused=", line -> line.contains(LIMIT_MESSAGE), "segment refused");
                expect(tally, label, child, "segments=", line -> line.equals(Integer.toString(LIMIT)),
                    "segments up to the limit");
                expect(tally, label, child, "mappings after close=", line -> line.equals("0"), "none held after close");
                expect(tally, label, child, "buffers=",
                    line -> line.startsWith("TaskTransferException") && line.contains(LIMIT_MESSAGE), "task refused");
                expect(tally, label, child, "arrays=", line -> line.equals("60 last=59.0"), "next task ok");
            }
            after.settle(label, 0, Set.of());
            tally.addCase();
        }
    }

    private static void expect(Tally tally, String label, ChildJvm.Result child, String key, Predicate<String> wanted,
                               String outcome) {
        List<String> lines = child.linesStartingWith(key);
        if (lines.isEmpty() || !wanted.test(lines.get(0))) {
            tally.fail(label + ": " + key + " is not what '" + outcome + "' needs: " + child.output());
        } else {
            tally.outcome(outcome);
        }
    }
}
