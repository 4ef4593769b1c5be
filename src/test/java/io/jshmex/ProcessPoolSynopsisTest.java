package io.jshmex;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.PoolTestSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The class comment's example, line by line, and what submit refuses. */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessPoolSynopsisTest extends LeakCheckedTest {
    private static final int BIG = 1_000_000;

    static double[] addOne(double[] values) {
        double[] result = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = values[i] + 1;
        }
        return result;
    }

    static double sum(double[] values) {
        double sum = 0;
        for (double value : values) {
            sum += value;
        }
        return sum;
    }

    private static double[] big() {
        double[] big = new double[BIG];
        for (int i = 0; i < BIG; i++) {
            big[i] = i * 0.5;
        }
        return big;
    }

    @Test
    void shouldApplyAStaticMethodReferenceToABigArray() throws Exception {
        double[] big = big();
        try (var pool = new ProcessPoolExecutor(1)) {
            Future<double[]> future = pool.submit(ProcessPoolSynopsisTest::addOne, big);

            double[] result = future.get(30, SECONDS);

            assertArrayEquals(addOne(big()), result);
            // value semantics: the worker had its own copy
            assertEquals(1.5, big[3]);
            assertNotSame(big, result);
        }
    }

    @Test
    void shouldRunALambdaThatCapturesABigArray() throws Exception {
        double[] big = big();
        try (var pool = new ProcessPoolExecutor(1)) {
            Future<Double> future = pool.submit(() -> sum(big));

            assertEquals(sum(big), future.get(30, SECONDS));
        }
    }

    @Test
    void shouldMapAMethodReferenceInInputOrder() {
        List<String> words = List.of("pomegranate", "fig", "banana", "kiwi", "", "apple", "cherimoya", "yam");
        try (var pool = new ProcessPoolExecutor(2)) {
            List<Integer> lengths = pool.map(String::length, words).toList();

            assertEquals(List.of(11, 3, 6, 4, 0, 5, 9, 3), lengths);
        }
    }

    @Test
    void shouldRunASerializableRunnableAndReturnNull(@TempDir Path dir) throws Exception {
        String marker = dir.resolve("ran").toString();
        try (var pool = new ProcessPoolExecutor(1)) {
            Future<?> future = pool.submit(() -> {
                try {
                    Files.writeString(Path.of(marker), "ran");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });

            assertNull(future.get(30, SECONDS));
            assertTrue(Files.exists(Path.of(marker)), "the runnable did not run");
        }
    }

    @Test
    void shouldRefuseACallableThatIsNotSerializableNamingItsClass() {
        Callable<Integer> notSerializable = new Callable<>() {
            @Override
            public Integer call() {
                return 1;
            }
        };
        try (var pool = new ProcessPoolExecutor(1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pool.submit(notSerializable));

            assertTrue(e.getMessage().contains(notSerializable.getClass().getName()), e.getMessage());
            assertTrue(PoolTestSupport.descendantPids().isEmpty(), "a worker was started for a refused task");
        }
    }

    static Stream<Arguments> notSerializableCaptures() {
        return Stream.of(
            Arguments.of("java.lang.Object", (Supplier<Object>) Object::new),
            Arguments.of("java.lang.Thread", (Supplier<Object>) Thread::new));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notSerializableCaptures")
    void shouldRefuseALambdaCapturingANonSerializableObjectBeforeRunningAnything(String className,
            Supplier<Object> captured, @TempDir Path dir) throws Exception {
        Object held = captured.get();
        String marker = dir.resolve("ran").toString();
        try (var pool = new ProcessPoolExecutor(1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.submit(() -> {
                Files.writeString(Path.of(marker), "ran");
                return held.hashCode();
            }));

            assertTrue(e.getMessage().contains(className), e.getMessage());
            assertTrue(PoolTestSupport.descendantPids().isEmpty(), "a worker was started for a refused task");
            // the pool is still usable, and the refused task never reached a worker
            assertNotEquals(0L, pool.submit(() -> ProcessHandle.current().pid()).get(30, SECONDS));
        }
        assertFalse(Files.exists(Path.of(marker)), "the refused task ran");
    }
}
