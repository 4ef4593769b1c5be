package io.jshmex.transfer;

import static io.jshmex.transfer.TestValues.assertDeepEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.transfer.TestValues.ArrayType;
import io.jshmex.transfer.TestValues.BufferType;
import io.jshmex.transfer.TestValues.Shape;
import java.io.Serializable;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Large values wherever they sit in the graph go through shared memory, and the graph arrives
 * whole: its small parts inline, its shared parts equal, and a value met twice as one object.
 */
class GraphTransferTest extends LeakCheckedTest {
    /** Comfortably above the link's threshold. */
    private static final int BIG = 3000;

    /** An ordinary Serializable class holding arrays in fields. */
    static final class Holder implements Serializable {
        private static final long serialVersionUID = 1L;
        final String label;
        final double[] values;
        final int[] small;
        Object other;

        Holder(String label, double[] values, int[] small) {
            this.label = label;
            this.values = values;
            this.small = small;
        }
    }

    record Measurements(double[] values, long[] ids) implements Serializable {
    }

    record Views(DoubleBuffer samples, ByteBuffer raw, String unit) implements Serializable {
    }

    private static double[] doubles(int n, int seed) {
        return (double[]) ArrayType.DOUBLE.filled(n, seed);
    }

    private static long[] longs(int n, int seed) {
        return (long[]) ArrayType.LONG.filled(n, seed);
    }

    /** A graph, and how many of its values must go through shared memory. */
    private static Arguments graph(String where, int shared, Supplier<Object> make) {
        return Arguments.of(where, shared, make);
    }

    static Stream<Arguments> graphs() {
        return Stream.of(
            graph("the root", 1, () -> doubles(BIG, 1)),
            graph("a field of a Serializable object", 1, () -> new Holder("h", doubles(BIG, 2), new int[] {1, 2, 3})),
            graph("a HashMap value", 2, () -> {
                Map<String, double[]> map = new HashMap<>();
                map.put("a", doubles(BIG, 3));
                map.put("b", doubles(BIG + 1, 4));
                map.put("tiny", doubles(3, 5));
                return map;
            }),
            graph("a List element", 2, () -> new ArrayList<>(List.of(longs(BIG, 6), "between",
                ArrayType.FLOAT.filled(BIG, 7), new int[] {4}))),
            graph("a record component", 2, () -> new Measurements(doubles(BIG, 8), longs(BIG, 9))),
            graph("an Object[] element", 2, () -> new Object[] {ArrayType.SHORT.filled(BIG, 10), 42,
                ArrayType.BOOLEAN.filled(5 * BIG, 11), null}),
            graph("a Map of Lists of records", 4, () -> {
                Map<String, List<Measurements>> map = new LinkedHashMap<>();
                map.put("x", List.of(new Measurements(doubles(BIG, 12), longs(BIG, 13))));
                map.put("y", List.of(new Measurements(doubles(BIG, 14), longs(BIG, 15)),
                    new Measurements(doubles(1, 16), longs(1, 17))));
                return map;
            }),
            graph("buffers in a record", 2, () -> new Views(
                (DoubleBuffer) Shape.HEAP.make(BufferType.DOUBLE, BIG, 18),
                (ByteBuffer) Shape.LITTLE_ENDIAN_DIRECT.make(BufferType.BYTE, 5 * BIG, 19), "V")),
            graph("buffers as Map values", 1, () -> {
                Map<String, Buffer> map = new HashMap<>();
                map.put("big", Shape.ODD_POSITION_AND_LIMIT_DIRECT.make(BufferType.INT, BIG, 20));
                map.put("small", Shape.HEAP.make(BufferType.INT, 3, 21));
                return map;
            }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("graphs")
    void shouldDeliverLargeValuesWhereverTheySit(String where, int shared, Supplier<Object> make) throws Exception {
        Object sent = make.get();
        try (LinkPair link = new LinkPair()) {
            Object atWorker = link.toWorker(sent);
            assertEquals(shared, link.lastPayload.sharedValues(), "values through shared memory, in " + where);
            assertDeepEqual(sent, atWorker, where);
            assertDeepEqual(make.get(), sent, where + ", the sender's graph after sending");

            Object atParent = link.toParent(atWorker);
            assertEquals(shared, link.lastPayload.sharedValues(), "values through shared memory on the way back, in " + where);
            assertDeepEqual(sent, atParent, where + ", back at the parent");
        }
    }

    @Test
    void shouldDeliverArrayReferencedTwiceAsOneObject() throws Exception {
        double[] big = doubles(BIG, 1);
        Holder holder = new Holder("twice", big, new int[0]);
        holder.other = big;
        Object[] graph = {big, holder, List.of(big)};
        try (LinkPair link = new LinkPair()) {
            Object[] atWorker = (Object[]) link.toWorker(graph);
            assertEquals(1, link.lastPayload.sharedValues(), "one array, staged once");
            assertIdentityKept(big, atWorker, "at the worker");

            Object[] atParent = (Object[]) link.toParent(atWorker);
            assertEquals(1, link.lastPayload.sharedValues(), "one array, staged once on the way back");
            assertIdentityKept(big, atParent, "back at the parent");
        }
    }

    private static void assertIdentityKept(double[] sent, Object[] arrived, String where) {
        double[] first = (double[]) arrived[0];
        TestValues.assertSameArray(sent, first, where);
        Holder holder = (Holder) arrived[1];
        assertSame(first, holder.values, where + ": the field is another object than the root's element");
        assertSame(first, holder.other, where + ": the second field is another object");
        assertSame(first, ((List<?>) arrived[2]).get(0), where + ": the list element is another object");
    }

    @Test
    void shouldDeliverSmallArrayReferencedTwiceAsOneObject() throws Exception {
        int[] small = {1, 2, 3};
        try (LinkPair link = new LinkPair()) {
            Object[] atWorker = (Object[]) link.toWorker(new Object[] {small, small});
            assertEquals(0, link.lastPayload.sharedValues());
            assertSame(atWorker[0], atWorker[1]);
        }
    }

    @Test
    void shouldDeliverBufferReferencedTwiceAsOneObject() throws Exception {
        Buffer big = Shape.DIRECT.make(BufferType.LONG, BIG, 3);
        Buffer small = Shape.HEAP.make(BufferType.LONG, 3, 3);
        try (LinkPair link = new LinkPair()) {
            Object[] atWorker = (Object[]) link.toWorker(new Object[] {big, small, big, small});
            assertEquals(1, link.lastPayload.sharedValues());
            TestValues.assertSameBuffer(big, atWorker[0], "big buffer");
            TestValues.assertSameBuffer(small, atWorker[1], "small buffer");
            assertSame(atWorker[0], atWorker[2], "the large buffer arrived as two objects");
            assertSame(atWorker[1], atWorker[3], "the small buffer arrived as two objects");

            Object[] atParent = (Object[]) link.toParent(atWorker);
            assertSame(atParent[0], atParent[2], "the large buffer arrived back as two objects");
            assertSame(atParent[1], atParent[3], "the small buffer arrived back as two objects");
        }
    }

    @Test
    void shouldDeliverEqualButDistinctArraysAsDistinctObjects() throws Exception {
        try (LinkPair link = new LinkPair()) {
            Object[] atWorker = (Object[]) link.toWorker(new Object[] {doubles(BIG, 1), doubles(BIG, 1)});
            assertEquals(2, link.lastPayload.sharedValues());
            assertNotSame(atWorker[0], atWorker[1]);
            ((double[]) atWorker[0])[0] = 42;
            assertEquals(doubles(BIG, 1)[0], ((double[]) atWorker[1])[0]);
        }
    }

    @Test
    void shouldDeliverGraphOfManyArraysOfEveryTypeAndSize() throws Exception {
        Random random = new Random(7);
        List<Object> graph = new ArrayList<>();
        int expectedShared = 0;
        for (int i = 0; i < 300; i++) {
            ArrayType type = ArrayType.values()[random.nextInt(ArrayType.values().length)];
            int length = random.nextInt(3) == 0 ? random.nextInt(20) : random.nextInt(3 * BIG);
            if ((long) length * type.size >= LinkPair.THRESHOLD) {
                expectedShared++;
            }
            graph.add(type.filled(length, i));
        }
        try (LinkPair link = new LinkPair()) {
            for (int round = 0; round < 3; round++) {
                Object atWorker = link.toWorker(graph);
                assertEquals(expectedShared, link.lastPayload.sharedValues());
                assertDeepEqual(graph, atWorker, "round " + round + " at the worker");
                assertDeepEqual(graph, link.toParent(atWorker), "round " + round + " back at the parent");
                link.exchangeNotices();
            }
            assertTrue(link.parent.blocks().blockCount() <= expectedShared,
                "the parent keeps " + link.parent.blocks().blockCount() + " blocks for " + expectedShared + " values");
        }
    }
}
