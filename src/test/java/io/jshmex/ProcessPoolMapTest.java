package io.jshmex;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jshmex.testing.LeakCheckedTest;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessPoolMapTest extends LeakCheckedTest {

    private static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().collect(Collectors.toList());
    }

    static long scramble(int x) {
        return x * 2_654_435_761L % 1_000_003;
    }

    private static long pidOf(Object ignored) {
        return ProcessHandle.current().pid();
    }

    @Test
    void shouldKeepInputOrderAcrossChunks() {
        List<Integer> input = range(10_000);
        List<Long> expected = input.stream().map(ProcessPoolMapTest::scramble).toList();
        try (var pool = new ProcessPoolExecutor(2)) {
            assertEquals(expected, pool.map(ProcessPoolMapTest::scramble, input, 500).toList());
            assertEquals(expected.subList(0, 200), pool.map(ProcessPoolMapTest::scramble, input.subList(0, 200), 1)
                .toList());
            assertEquals(expected, pool.map(ProcessPoolMapTest::scramble, input).toList());
            assertEquals(List.of(), pool.map(ProcessPoolMapTest::scramble, List.<Integer>of()).toList());
        }
    }

    @Test
    void shouldSendOneTaskPerChunk() {
        // with a fresh worker per task, the pids tell the tasks apart
        try (var pool = ProcessPoolExecutor.builder().maxWorkers(1).maxTasksPerWorker(1).build()) {
            List<Long> pids = pool.map(ProcessPoolMapTest::pidOf, range(2_000), 1_000).toList();

            assertEquals(2_000, pids.size());
            assertEquals(1, new HashSet<>(pids.subList(0, 1_000)).size(), "the first chunk was split");
            assertEquals(1, new HashSet<>(pids.subList(1_000, 2_000)).size(), "the second chunk was split");
            assertNotEquals(pids.get(0), pids.get(1_000), "two chunks ran as one task");
        }
    }

    @Test
    void shouldThrowTheFailingElementsExceptionFromTheStream() {
        try (var pool = new ProcessPoolExecutor(2);
             Stream<Integer> results = pool.map(x -> {
                 if (x == 57) {
                     throw new IllegalArgumentException("cannot take " + x);
                 }
                 return x;
             }, range(100), 10)) {
            CompletionException e = assertThrows(CompletionException.class, results::toList);

            IllegalArgumentException cause = assertInstanceOf(IllegalArgumentException.class, e.getCause());
            assertEquals("cannot take 57", cause.getMessage());
        }
    }
}
