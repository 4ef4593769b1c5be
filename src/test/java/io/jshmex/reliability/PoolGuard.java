package io.jshmex.reliability;

import io.jshmex.ProcessPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Closes a pool within a bounded time: a task or a reply that hangs must fail the fault class,
 * not hang the build (close() waits for ever by contract). shutdown() gets a minute, then
 * shutdownNow() half a minute, then the workers are killed.
 */
final class PoolGuard implements AutoCloseable {
    final ProcessPoolExecutor pool;
    private final Tally tally;

    PoolGuard(ProcessPoolExecutor pool, Tally tally) {
        this.pool = pool;
        this.tally = tally;
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Shuts the pool down and waits, within the limits above, until it has terminated. */
    void stop() throws InterruptedException {
        pool.shutdown();
        if (pool.awaitTermination(60, TimeUnit.SECONDS)) {
            return;
        }
        tally.fail("the pool did not terminate within 60 s of shutdown(): a task or its reply hangs");
        pool.shutdownNow();
        if (pool.awaitTermination(30, TimeUnit.SECONDS)) {
            return;
        }
        tally.fail("the pool did not terminate within 30 s of shutdownNow(); its workers were killed");
        Procs.killDescendants();
        pool.awaitTermination(30, TimeUnit.SECONDS);
    }
}
