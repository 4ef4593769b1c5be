package io.jshmex.reliability;

import io.jshmex.ProcessPoolExecutor;
import io.jshmex.SerializableFunction;
import io.jshmex.testing.LeakCheckedTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Eight threads submitting to a pool of two workers, each task a random primitive array or buffer
 * of 0 to 10 MB of a random type. The worker checksums what it received and sends it back; the
 * parent checks both checksums and the shape (type, length, window, byte order, read-only) of
 * what came back. The short form runs about 500 tasks; the long one at least 10,000 tasks and at
 * least two minutes.
 */
@ExtendWith(Report.class)
class StressTest extends LeakCheckedTest {
    private static final int THREADS = 8;

    @Test
    void randomTransfersFromEightThreadsAllArriveIntact() throws Exception {
        Tally.run(Fault.STRESS, this::inject);
    }

    private void inject(Tally tally) throws Exception {
        long minTasks = Scale.of(500L, 10_000L);
        long minNanos = TimeUnit.SECONDS.toNanos(Scale.of(0L, 120L));
        long maxNanos = TimeUnit.SECONDS.toNanos(Scale.of(20L, 1200L));
        long seed = System.nanoTime();
        tally.note("seed " + seed);
        AtomicLong done = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        long start = System.nanoTime();
        try (PoolGuard guard = new PoolGuard(ProcessPoolExecutor.builder().maxWorkers(2).build(), tally)) {
            ProcessPoolExecutor pool = guard.pool;
            pool.prestartAllWorkers();
            Aftermath after = new Aftermath(tally);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Random random = new Random(seed + t);
                threads.add(new Thread(() -> {
                    while (true) {
                        long elapsed = System.nanoTime() - start;
                        if (elapsed > maxNanos || (done.get() >= minTasks && elapsed >= minNanos)) {
                            return;
                        }
                        int kind = random.nextInt(Values.KINDS);
                        int size = Values.randomBytes(random);
                        long valueSeed = random.nextLong();
                        one(tally, pool, kind, size, valueSeed);
                        done.incrementAndGet();
                        bytes.addAndGet(size);
                    }
                }, "stress-" + t));
            }
            threads.forEach(Thread::start);
            for (Thread thread : threads) {
                thread.join();
            }
            tally.cases(done.get());
            after.check("after " + done.get() + " tasks", pool, 2);
        }
        new Aftermath(tally).settle("after close", 0, Set.of());
        tally.note(String.format(java.util.Locale.ROOT, "%.1f GB round-tripped in %d s", bytes.get() * 2 / 1e9,
            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)));
    }

    private static void one(Tally tally, ProcessPoolExecutor pool, int kind, int size, long valueSeed) {
        String label = "kind " + kind + ", " + size + " bytes, seed " + valueSeed;
        try {
            Object value = Values.make(kind, size, valueSeed);
            long sum = Values.checksum(value);
            String shape = Values.shape(value);
            Values.Echo echo = pool.submit((SerializableFunction<Object, Values.Echo>) Values::echo, value)
                .get(120, TimeUnit.SECONDS);
            if (echo.checksum() != sum || !echo.shape().equals(shape)) {
                tally.fail(label + ": the worker saw " + echo.shape() + " #" + echo.checksum() + " instead of " + shape
                    + " #" + sum);
            } else if (Values.checksum(echo.value()) != sum || !Values.shape(echo.value()).equals(shape)) {
                tally.fail(label + ": came back as " + Values.shape(echo.value()) + " #" + Values.checksum(echo.value())
                    + " instead of " + shape + " #" + sum);
            }
        } catch (ExecutionException e) {
            tally.fail(label + ": " + Causes.chain(e));
        } catch (TimeoutException e) {
            tally.fail(label + ": no result within 120 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            StackTraceElement[] stack = e.getStackTrace();
            tally.fail(label + ": " + e + " at " + java.util.Arrays.asList(stack).subList(0, Math.min(4, stack.length)));
        }
    }
}
