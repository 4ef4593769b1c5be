package io.jshmex.transfer;

import static io.jshmex.transfer.PoolSupport.get;
import static io.jshmex.transfer.PoolSupport.oneWorker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.ProcessPoolExecutor;
import io.jshmex.testing.LeakCheckedTest;
import java.nio.ByteBuffer;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Results that nobody releases are let go by the garbage collector: a long run of tasks that each
 * return a megabyte buffer completes, and leaves nothing.
 */
class PoolGcReleaseTest extends LeakCheckedTest {
    private static final int MEGABYTE = 1 << 20;
    private static final int ROUNDS = 1000;

    static ByteBuffer megabyte(int round) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(MEGABYTE);
        buffer.putInt(0, round).putInt(MEGABYTE / 2, -round).putInt(MEGABYTE - 4, round * 3);
        return buffer;
    }

    @Test
    void shouldCompleteThousandRoundTripsOfUnreleasedMegabyteBuffers() throws Exception {
        PoolSupport.ShmWatch watch = new PoolSupport.ShmWatch();
        int mostListed = 0;
        try (ProcessPoolExecutor pool = oneWorker()) {
            for (int round = 0; round < ROUNDS; round++) {
                int r = round;
                ByteBuffer result = get(pool.submit(() -> megabyte(r)));
                assertTrue(result.isDirect());
                assertEquals(MEGABYTE, result.capacity());
                assertEquals(round, result.getInt(0), "round " + round);
                assertEquals(-round, result.getInt(MEGABYTE / 2), "round " + round);
                assertEquals(round * 3, result.getInt(MEGABYTE - 4), "round " + round);
                if (round % 50 == 0) {
                    mostListed = Math.max(mostListed, watch.appeared().size());
                }
            }
            watch.assertOnly(Set.of(), "after the last round");
        }
        assertTrue(mostListed <= 2, "up to " + mostListed + " segments in /dev/shm during the run");
    }
}
