package io.jshmex.reliability;

import io.jshmex.NativeShm;
import io.jshmex.ShmSegment;
import io.jshmex.ShmSpaceException;
import io.jshmex.shm.Shm;
import io.jshmex.testing.LeakCheckedTest;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The largest create that cannot fit, in this JVM and on the machine's /dev/shm: more than the
 * whole tmpfs, which posix_fallocate refuses at once (tmpfs checks the size against its limit
 * before it reserves a page). It must be a ShmSpaceException that gives the sizes, with nothing
 * left behind and the JVM fine; a small create right after must work.
 */
@ExtendWith(Report.class)
class ShmSpaceTest extends LeakCheckedTest {
    @Test
    void aCreateLargerThanDevShmIsAClearExceptionAndLeavesNothing() throws Exception {
        Tally.run(Fault.SHM_CREATE_TOO_BIG, this::inject);
    }

    private void inject(Tally tally) throws Exception {
        int cases = Scale.of(5, 20);
        Aftermath after = new Aftermath(tally);
        long total = Shm.totalBytes();
        for (int c = 0; c < cases; c++) {
            String label = "case " + c;
            long asked = total + (1L << 30) + c * 4096L;
            try (ShmSegment huge = c % 2 == 0 ? NativeShm.create(asked)
                : NativeShm.create("jshmex_rel_full_" + ProcessHandle.current().pid() + "_" + c, asked)) {
                tally.fail(label + ": a create of " + asked + " bytes on a /dev/shm of " + total + " succeeded: " + huge);
            } catch (ShmSpaceException expected) {
                String message = expected.getMessage();
                if (expected.requestedBytes() < asked || !message.contains("asked for") || !message.contains("free")) {
                    tally.fail(label + ": the exception does not give the sizes: " + message);
                }
                tally.outcome("ShmSpaceException");
            } catch (RuntimeException e) {
                tally.fail(label + ": expected ShmSpaceException, got " + Causes.chain(e));
            }
            try (ShmSegment small = NativeShm.create(4096)) {
                small.asByteBuffer().put(0, (byte) 1);
            }
            if (c % 2 == 1 && java.nio.file.Files.exists(java.nio.file.Path.of("/dev/shm",
                "jshmex_rel_full_" + ProcessHandle.current().pid() + "_" + c))) {
                tally.leaked(1, label + ": the named segment that did not fit is still in /dev/shm");
            }
            after.settle(label, 0, Set.of());
            tally.addCase();
        }
    }
}
