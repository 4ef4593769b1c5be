package io.jshmex.transfer;

import static io.jshmex.transfer.PoolSupport.get;
import static io.jshmex.transfer.PoolSupport.oneWorker;
import static io.jshmex.transfer.TestValues.assertDeepEqual;
import static io.jshmex.transfer.TestValues.assertSameArray;
import static io.jshmex.transfer.TestValues.assertSameBuffer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.NativeShm;
import io.jshmex.ProcessPoolExecutor;
import io.jshmex.SerializableFunction;
import io.jshmex.ShmSegment;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.PoolTestSupport;
import io.jshmex.transfer.TestValues.ArrayType;
import io.jshmex.transfer.TestValues.BufferType;
import io.jshmex.transfer.TestValues.Shape;
import java.io.Serializable;
import java.lang.reflect.Array;
import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Through a real worker: heap arrays keep value semantics, results of every type arrive equal,
 * wherever they sit, and between tasks /dev/shm holds only what the test made.
 */
class PoolValueTransferTest extends LeakCheckedTest {
    /** Four times the default threshold: through shared memory. */
    private static final int LARGE_BYTES = 4 * (int) ProcessPoolExecutor.DEFAULT_SHM_THRESHOLD_BYTES;

    /** Reverses an array in place and hands it back: a task that writes into its argument. */
    static Object reverseInPlace(Object array) {
        int n = Array.getLength(array);
        for (int i = 0, j = n - 1; i < j; i++, j--) {
            Object t = Array.get(array, i);
            Array.set(array, i, Array.get(array, j));
            Array.set(array, j, t);
        }
        return array;
    }

    @Test
    void shouldLeaveCallersArrayUnchangedWhenTaskWritesIntoItsArgument() throws Exception {
        try (ProcessPoolExecutor pool = oneWorker()) {
            for (ArrayType type : ArrayType.values()) {
                for (int length : new int[] {17, type.lengthFor(LARGE_BYTES) + 1}) {
                    String what = type + "[" + length + "]";
                    Object arg = type.filled(length, 1);
                    Object result = get(pool.submit(PoolValueTransferTest::reverseInPlace, arg));
                    assertSameArray(type.filled(length, 1), arg, what + ": the caller's array after the task");
                    assertSameArray(reverseInPlace(type.filled(length, 1)), result, what + ": the task's result");
                    assertNotSame(arg, result);
                }
            }
        }
    }

    @Test
    void shouldLeaveCapturedArrayUnchangedWhenTaskWritesIntoIt() throws Exception {
        double[] captured = (double[]) ArrayType.DOUBLE.filled(100_000, 1);
        try (ProcessPoolExecutor pool = oneWorker()) {
            double first = get(pool.submit(() -> {
                captured[0] = -1;
                return captured[0];
            }));
            assertEquals(-1.0, first);
            assertSameArray(ArrayType.DOUBLE.filled(100_000, 1), captured, "the captured array after the task");
        }
    }

    @Test
    void shouldReturnArraysOfEveryTypeAndSize() throws Exception {
        try (ProcessPoolExecutor pool = oneWorker()) {
            for (ArrayType type : ArrayType.values()) {
                for (int length : new int[] {0, 1, type.lengthFor(ProcessPoolExecutor.DEFAULT_SHM_THRESHOLD_BYTES) - 1,
                    type.lengthFor(ProcessPoolExecutor.DEFAULT_SHM_THRESHOLD_BYTES), type.lengthFor(LARGE_BYTES) + 3,
                    type.lengthFor(24 << 20)}) {
                    Object result = get(pool.submit(() -> type.filled(length, 9)));
                    assertSameArray(type.filled(length, 9), result, type + "[" + length + "] made by the task");
                }
            }
        }
    }

    @Test
    void shouldReturnMapOfArraysLikeNpshmexDictOutputs() throws Exception {
        try (ProcessPoolExecutor pool = oneWorker()) {
            Map<String, double[]> input = new HashMap<>();
            input.put("energy", (double[]) ArrayType.DOUBLE.filled(200_000, 1));
            input.put("time", (double[]) ArrayType.DOUBLE.filled(200_000, 2));
            input.put("flag", new double[] {1, 2, 3});
            SerializableFunction<Map<String, double[]>, Map<String, double[]>> doubled = in -> {
                Map<String, double[]> out = new HashMap<>();
                in.forEach((key, values) -> out.put(key + "2", Arrays.stream(values).map(v -> v * 2).toArray()));
                return out;
            };
            Map<String, double[]> result = get(pool.submit(doubled, input));

            assertTrue(result instanceof HashMap, "arrived as " + result.getClass());
            assertEquals(Set.of("energy2", "time2", "flag2"), result.keySet());
            input.forEach((key, values) ->
                assertSameArray(Arrays.stream(values).map(v -> v * 2).toArray(), result.get(key + "2"), key));
        }
    }

    @Test
    void shouldAddOneToTwoMillionOnesAsInNpshmexSynopsis() throws Exception {
        double[] big = new double[2_000_000];
        Arrays.fill(big, 1.0);
        try (ProcessPoolExecutor pool = oneWorker()) {
            Future<double[]> f = pool.submit(PoolTestSupport::plusOne, big);
            double[] result = get(f);
            assertEquals(2.0, result[0]);
            assertEquals(big.length, result.length);
            assertTrue(Arrays.stream(result).allMatch(v -> v == 2.0), "not every element is 2.0");
            assertTrue(Arrays.stream(big).allMatch(v -> v == 1.0), "the caller's array changed");

            double[] captured = get(pool.submit(() -> PoolTestSupport.plusOne(big)));
            assertEquals(2.0, captured[0]);
            assertEquals(2.0, captured[big.length - 1]);
        }
    }

    record Sample(String name, double[] values, long[] ids, Map<String, List<float[]>> extra) implements Serializable {
    }

    static Sample transform(Sample in) {
        Map<String, List<float[]>> extra = new LinkedHashMap<>();
        in.extra().forEach((key, list) -> extra.put(key + "'", List.of(list.get(0), list.get(0))));
        return new Sample(in.name() + "'", PoolTestSupport.plusOne(in.values()), in.ids(), extra);
    }

    @Test
    void shouldDeliverArraysNestedInRecordsMapsAndListsBothWays() throws Exception {
        Map<String, List<float[]>> extra = new LinkedHashMap<>();
        extra.put("a", List.of((float[]) ArrayType.FLOAT.filled(100_000, 3)));
        extra.put("b", List.of(new float[] {1, 2}));
        Sample sample = new Sample("s", (double[]) ArrayType.DOUBLE.filled(100_000, 1),
            (long[]) ArrayType.LONG.filled(100_000, 2), extra);
        try (ProcessPoolExecutor pool = oneWorker()) {
            Sample result = get(pool.submit(PoolValueTransferTest::transform, sample));
            assertDeepEqual(transform(sample), result, "result");
            assertSame(result.extra().get("a'").get(0), result.extra().get("a'").get(1),
                "one array returned twice arrived as two objects");
        }
    }

    @Test
    void shouldKeepIdentityOfArrayReferencedTwiceInBothDirections() throws Exception {
        double[] big = (double[]) ArrayType.DOUBLE.filled(100_000, 1);
        try (ProcessPoolExecutor pool = oneWorker()) {
            Object[] result = get(pool.submit(() -> {
                Object[] args = {big, big};
                return new Object[] {args[0] == args[1] && big == args[0], big, big};
            }));
            assertEquals(Boolean.TRUE, result[0], "the worker saw the captured array once as one object");
            assertSame(result[1], result[2], "the array returned twice arrived as two objects");
            assertSameArray(big, result[1], "the returned array");

            SerializableFunction<Object[], Boolean> sameInWorker = pair -> pair[0] == pair[1];
            assertEquals(Boolean.TRUE, get(pool.submit(sameInWorker, new Object[] {big, big})));
        }
    }

    @Test
    void shouldReturnBuffersReceivedAsArgumentsEqual() throws Exception {
        SerializableFunction<Buffer, Buffer> identity = buffer -> buffer;
        try (ProcessPoolExecutor pool = oneWorker()) {
            for (BufferType type : BufferType.values()) {
                int atThreshold = (int) (ProcessPoolExecutor.DEFAULT_SHM_THRESHOLD_BYTES / type.size);
                for (Shape shape : Shape.values()) {
                    for (int n : new int[] {atThreshold - 1, atThreshold, 2 * atThreshold + 1}) {
                        String what = type + " " + shape + " of " + n;
                        Buffer sent = shape.make(type, n, 3);
                        Buffer result = get(pool.submit(identity, sent));
                        assertSameBuffer(sent, result, what);
                        if ((long) n * type.size >= ProcessPoolExecutor.DEFAULT_SHM_THRESHOLD_BYTES) {
                            assertTrue(result.isDirect(), what + ": a large result buffer arrived on the heap");
                        } else {
                            assertEquals(sent.isDirect(), result.isDirect(), what + ": direct");
                        }
                    }
                }
            }
        }
    }

    @Test
    void shouldLeaveOnlyTheTestsOwnSegmentsBetweenTasks() throws Exception {
        PoolSupport.ShmWatch watch = new PoolSupport.ShmWatch();
        String userName = PoolSupport.userSegmentName("between");
        try (ShmSegment user = NativeShm.create(userName, 800_000); ProcessPoolExecutor pool = oneWorker()) {
            DoubleBuffer shared = NativeShm.doubles(100_000);
            Set<String> made = Set.of(userName, PoolSupport.segmentOf(shared));
            watch.assertOnly(made, "before any task");

            double[] big = (double[]) ArrayType.DOUBLE.filled(300_000, 1);
            for (int round = 0; round < 3; round++) {
                get(pool.submit(PoolTestSupport::plusOne, big));
                watch.assertOnly(made, "after arrays in and out, round " + round);

                get(pool.submit(() -> new Object[] {big, Shape.DIRECT.make(BufferType.LONG, 50_000, 1),
                    Map.of("k", ArrayType.INT.filled(100_000, 2))}));
                watch.assertOnly(made, "after arrays and buffers out, round " + round);

                SerializableFunction<Object[], Double> sum = args -> ((DoubleBuffer) args[0]).get(0)
                    + ((DoubleBuffer) args[1]).get(0) + ((DoubleBuffer) args[2]).get(0);
                get(pool.submit(sum, new Object[] {shared, user.asDoubleBuffer(), DoubleBuffer.wrap(big)}));
                watch.assertOnly(made, "after by-name and copied buffers in, round " + round);

                DoubleBuffer allocated = get(pool.submit(() -> {
                    DoubleBuffer b = NativeShm.doubles(100_000);
                    b.put(0, 42);
                    return b;
                }));
                assertEquals(42.0, allocated.get(0));
                watch.assertOnly(made, "after a task returned a buffer it allocated, round " + round);
                NativeShm.release(allocated);
            }
            NativeShm.release(shared);
        }
    }
}
