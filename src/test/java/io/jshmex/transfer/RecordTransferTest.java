package io.jshmex.transfer;

import static io.jshmex.transfer.PoolSupport.get;
import static io.jshmex.transfer.PoolSupport.oneWorker;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.ProcessPoolExecutor;
import io.jshmex.SerializableFunction;
import io.jshmex.testing.LeakCheckedTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InvalidClassException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Arrays of records travel as packed rows with their layout, and whatever cannot be packed still
 * arrives equal by plain serialization.
 */
class RecordTransferTest extends LeakCheckedTest {
    private static final long THRESHOLD = ProcessPoolExecutor.DEFAULT_SHM_THRESHOLD_BYTES;

    record Hit(double time, long channel, float area, int flags) implements Serializable {
    }

    record Pair(Hit a, Hit b) implements Serializable {
    }

    record AllPrimitives(boolean z, byte b, short s, char c, int i, long j, float f, double d) implements Serializable {
    }

    record Named(String name, double time) implements Serializable {
    }

    record WithSamples(double[] samples, int flags) implements Serializable {
        @Override
        public boolean equals(Object o) {
            return o instanceof WithSamples w && Arrays.equals(samples, w.samples) && flags == w.flags;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(samples) * 31 + flags;
        }
    }

    static Hit[] hits(int n, int seed) {
        Hit[] hits = new Hit[n];
        for (int i = 0; i < n; i++) {
            hits[i] = new Hit(seed + i * 0.5, (long) i * 1_000_003L + seed, i * 0.25f, i ^ seed);
        }
        return hits;
    }

    static Hit[] shifted(Hit[] in) {
        Hit[] out = new Hit[in.length];
        for (int i = 0; i < in.length; i++) {
            Hit h = in[i];
            out[i] = h == null ? null : new Hit(h.time() + 1, h.channel() + 1, h.area() + 1, h.flags() + 1);
        }
        return out;
    }

    /** Rows needed for an array of records to reach the threshold, plus some. */
    static int packedCount(int rowBytes) {
        return (int) (THRESHOLD / rowBytes) + 7;
    }

    @Test
    void shouldPackMillionHitsAndKeepSmallArraysInline() throws Exception {
        Hit[] hits = hits(1_000_000, 3);
        Payload packed = PayloadEncoder.encode(hits, 65536, null);
        assertEquals(1, packed.sharedValues(), "a million hits should travel as one packed value");
        assertTrue(packed.streamBytes() < 4096,
            "packed rows should leave the stream small, it has " + packed.streamBytes() + " bytes");

        Payload small = PayloadEncoder.encode(hits(10, 3), 65536, null);
        assertEquals(0, small.sharedValues(), "ten hits are far below the threshold");
    }

    @Test
    void shouldRoundTripMillionHitsThroughTask() throws Exception {
        Hit[] hits = hits(1_000_000, 3);
        Hit[] copy = hits.clone();
        SerializableFunction<Hit[], Hit[]> identity = x -> x;
        try (ProcessPoolExecutor pool = oneWorker()) {
            Hit[] back = get(pool.submit(identity, hits));
            assertNotSame(hits, back);
            assertTrue(Arrays.equals(hits, back), "the million hits came back different");

            Hit[] moved = get(pool.submit(RecordTransferTest::shifted, hits));
            assertTrue(Arrays.equals(shifted(hits), moved), "the shifted copies differ");
        }
        assertTrue(Arrays.equals(copy, hits), "the caller's array changed");
    }

    @Test
    void shouldRoundTripNestedAndAllPrimitiveRecords() throws Exception {
        Hit[] left = hits(packedCount(49), 1);
        Hit[] right = hits(left.length, 2);
        Pair[] pairs = new Pair[left.length];
        for (int i = 0; i < pairs.length; i++) {
            pairs[i] = new Pair(left[i], right[i]);
        }
        assertEquals(1, PayloadEncoder.encode(pairs, THRESHOLD, null).sharedValues(), "nested records should be packed");

        AllPrimitives[] extremes = {
            new AllPrimitives(true, Byte.MIN_VALUE, Short.MIN_VALUE, Character.MAX_VALUE, Integer.MIN_VALUE,
                Long.MIN_VALUE, Float.NaN, -0.0),
            new AllPrimitives(false, Byte.MAX_VALUE, Short.MAX_VALUE, Character.MIN_VALUE, Integer.MAX_VALUE,
                Long.MAX_VALUE, -0.0f, Double.NaN),
            new AllPrimitives(true, (byte) -1, (short) -1, '\u00e9', -1, -1L, Float.NEGATIVE_INFINITY,
                Double.POSITIVE_INFINITY),
            new AllPrimitives(false, (byte) 0, (short) 0, 'x', 0, 0L, Float.MIN_VALUE, Double.MIN_VALUE),
            new AllPrimitives(true, (byte) 1, (short) 1, '\ud800', 1, 1L, Float.MAX_VALUE, -Double.MAX_VALUE),
        };
        AllPrimitives[] prims = new AllPrimitives[packedCount(1 + 1 + 1 + 2 + 2 + 4 + 8 + 4 + 8)];
        for (int i = 0; i < prims.length; i++) {
            prims[i] = i < extremes.length ? extremes[i]
                : new AllPrimitives(i % 3 == 0, (byte) i, (short) i, (char) i, i, -i, i / 3f, -i / 7.0);
        }
        assertEquals(1, PayloadEncoder.encode(prims, THRESHOLD, null).sharedValues(), "all-primitive rows should be packed");

        SerializableFunction<Object[], Object[]> identity = x -> x;
        try (ProcessPoolExecutor pool = oneWorker()) {
            Object[] back = get(pool.submit(identity, new Object[] {pairs, prims}));
            assertTrue(back[0] instanceof Pair[], "arrived as " + back[0].getClass());
            assertTrue(Arrays.equals(pairs, (Pair[]) back[0]), "nested records differ");
            AllPrimitives[] primsBack = (AllPrimitives[]) back[1];
            // record equality compares float and double like Float.compare: NaN and -0.0 must survive bit for bit
            assertTrue(Arrays.equals(prims, primsBack), "primitive extremes differ");
            for (int i = 0; i < extremes.length; i++) {
                assertEquals(Double.doubleToRawLongBits(extremes[i].d()), Double.doubleToRawLongBits(primsBack[i].d()));
                assertEquals(Float.floatToRawIntBits(extremes[i].f()), Float.floatToRawIntBits(primsBack[i].f()));
            }

            Pair[] made = get(pool.submit(() -> {
                Pair[] out = new Pair[pairs.length];
                for (int i = 0; i < out.length; i++) {
                    out[i] = new Pair(pairs[i].b(), pairs[i].a());
                }
                return out;
            }));
            for (int i = 0; i < made.length; i++) {
                assertEquals(new Pair(right[i], left[i]), made[i], "pair " + i);
            }
        }
    }

    @Test
    void shouldPackEachRowOfMultiDimensionalArray() throws Exception {
        int rowLength = packedCount(25);
        Hit[][] grid = new Hit[4][];
        for (int r = 0; r < grid.length; r++) {
            grid[r] = hits(rowLength + r, r);
        }
        assertEquals(grid.length, PayloadEncoder.encode(grid, THRESHOLD, null).sharedValues(),
            "every row array should be packed on its own");

        SerializableFunction<Hit[][], Hit[][]> identity = x -> x;
        try (ProcessPoolExecutor pool = oneWorker()) {
            Hit[][] back = get(pool.submit(identity, grid));
            assertEquals(grid.length, back.length);
            for (int r = 0; r < grid.length; r++) {
                assertTrue(Arrays.equals(grid[r], back[r]), "row " + r + " differs");
            }
        }
    }

    @Test
    void shouldKeepEmptyArraysAndNullElements() throws Exception {
        Hit[] withNulls = hits(packedCount(25), 5);
        for (int i = 0; i < withNulls.length; i += 97) {
            withNulls[i] = null;
        }
        withNulls[withNulls.length - 1] = null;
        assertEquals(1, PayloadEncoder.encode(withNulls, THRESHOLD, null).sharedValues(), "null rows do not prevent packing");

        SerializableFunction<Object[], Object[]> identity = x -> x;
        try (ProcessPoolExecutor pool = oneWorker()) {
            Object[] back = get(pool.submit(identity, new Object[] {new Hit[0], withNulls}));
            assertTrue(back[0] instanceof Hit[], "the empty array arrived as " + back[0].getClass());
            assertEquals(0, ((Hit[]) back[0]).length);
            Hit[] rows = (Hit[]) back[1];
            assertTrue(Arrays.equals(withNulls, rows), "rows with nulls differ");
            assertNull(rows[0]);
            assertNull(rows[rows.length - 1]);
            assertNotNull(rows[1]);

            Hit[] shiftedBack = get(pool.submit(RecordTransferTest::shifted, withNulls));
            assertTrue(Arrays.equals(shifted(withNulls), shiftedBack), "shifted rows with nulls differ");
        }
    }

    @Test
    void shouldPackEmptyArrayWhenThresholdIsZero() throws Exception {
        // a zero threshold sends even zero rows through shared memory: a zero-byte value must still work
        try (LinkPair link = new LinkPair(0)) {
            Object back = link.toWorker(new Hit[0]);
            assertEquals(1, link.lastPayload.sharedValues());
            assertTrue(back instanceof Hit[] && ((Hit[]) back).length == 0, "arrived as " + back);
            Object returned = link.toParent(new Hit[0]);
            assertTrue(returned instanceof Hit[] && ((Hit[]) returned).length == 0, "returned as " + returned);
            link.exchangeNotices();
        }
    }

    @Test
    void shouldFallBackToSerializationForWhatCannotBePacked() throws Exception {
        Hit[] some = hits(packedCount(49), 9);
        Pair[] nestedNull = new Pair[some.length];
        for (int i = 0; i < nestedNull.length; i++) {
            nestedNull[i] = new Pair(i == 3 ? null : some[i], some[some.length - 1 - i]);
        }
        Named[] named = new Named[packedCount(9)];
        WithSamples[] withArrays = new WithSamples[packedCount(9)];
        for (int i = 0; i < named.length; i++) {
            named[i] = new Named("n" + i, i * 1.5);
        }
        for (int i = 0; i < withArrays.length; i++) {
            withArrays[i] = new WithSamples(new double[] {i, -i}, i);
        }
        assertEquals(0, PayloadEncoder.encode(nestedNull, THRESHOLD, null).sharedValues(),
            "a null nested record cannot be packed");
        assertNull(RecordLayout.of(Named.class), "a String component cannot be packed");
        assertNull(RecordLayout.of(WithSamples.class), "an array component cannot be packed");
        assertEquals(0, PayloadEncoder.encode(named, THRESHOLD, null).sharedValues());

        SerializableFunction<Object[], Object[]> identity = x -> x;
        try (ProcessPoolExecutor pool = oneWorker()) {
            Object[] back = get(pool.submit(identity, new Object[] {nestedNull, named, withArrays}));
            assertTrue(Arrays.equals(nestedNull, (Pair[]) back[0]), "pairs with a null component differ");
            assertNull(((Pair[]) back[0])[3].a());
            assertTrue(Arrays.equals(named, (Named[]) back[1]), "records with a String differ");
            assertTrue(Arrays.equals(withArrays, (WithSamples[]) back[2]), "records with an array differ");
        }
    }

    @Test
    void shouldDeliverArrayReferencedTwiceAsOneObject() throws Exception {
        Hit[] hits = hits(packedCount(25), 4);
        Object[] graph = {hits, "between", hits};
        assertEquals(1, PayloadEncoder.encode(graph, THRESHOLD, null).sharedValues(), "one array should be packed once");

        SerializableFunction<Object[], Object[]> check = in -> new Object[] {in[0] == in[2], in[0], in[2]};
        try (ProcessPoolExecutor pool = oneWorker()) {
            Object[] back = get(pool.submit(check, graph));
            assertEquals(Boolean.TRUE, back[0], "the worker received two arrays");
            assertSame(back[1], back[2], "the array returned twice arrived as two objects");
            assertTrue(Arrays.equals(hits, (Hit[]) back[1]));
        }
    }

    @Test
    void shouldRefuseLayoutThatDiffersFromReceiversClass() throws Exception {
        RecordLayout mine = RecordLayout.of(Hit.class);
        assertNotNull(mine);
        RecordLayout theirs = copyOf(mine);
        String otherSignature = mine.signature.replace("flags:int", "flags:float");
        Field signature = RecordLayout.class.getDeclaredField("signature");
        signature.setAccessible(true);
        signature.set(theirs, otherSignature);

        InvalidClassException e = assertThrows(InvalidClassException.class, () -> theirs.local(Hit.class.getClassLoader()));
        assertTrue(e.getMessage().contains(otherSignature) && e.getMessage().contains(mine.signature),
            "the message should show both layouts: " + e.getMessage());
        assertSame(mine, copyOf(mine).local(Hit.class.getClassLoader()), "an unchanged layout should be accepted");
    }

    @Test
    void shouldFailTransferOfRowsPackedWithAnotherLayoutWithoutLeaking() throws Exception {
        try (LinkPair link = new LinkPair()) {
            Hit[] hits = hits(1000, 1);
            Payload payload = PayloadEncoder.encode(hits, link.threshold, null);
            assertEquals(1, payload.sharedValues());
            // the sender's class had a component renamed: same row size, another signature
            byte[] stream = payload.stream();
            byte[] from = "time:double".getBytes(StandardCharsets.US_ASCII);
            byte[] to = "tick:double".getBytes(StandardCharsets.US_ASCII);
            int at = indexOf(stream, from);
            assertTrue(at >= 0, "the layout's signature should travel in the stream");
            System.arraycopy(to, 0, stream, at, to.length);

            TransferLink.Staged staged = link.parent.stage(payload);
            staged.copyIn();
            InvalidClassException e = assertThrows(InvalidClassException.class,
                () -> link.worker.decode(stream, staged.table(), link.workerReceipt));
            assertTrue(e.getMessage().contains("tick:double") && e.getMessage().contains("time:double"),
                "the message should show both layouts: " + e.getMessage());
            link.workerReceipt.endLeases();
            link.exchangeNotices();

            // the link still works for the next message
            assertTrue(Arrays.equals(hits, (Hit[]) link.toWorker(hits)));
            link.exchangeNotices();
        }
    }

    private static RecordLayout copyOf(RecordLayout layout) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(layout);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (RecordLayout) in.readObject();
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void shouldReturnArraysOfRecordsEqualAtTheThreshold() throws Exception {
        int atThreshold = (int) ((THRESHOLD + 24) / 25);
        try (ProcessPoolExecutor pool = oneWorker()) {
            for (int n : new int[] {1, atThreshold - 1, atThreshold, atThreshold + 1}) {
                Hit[] made = get(pool.submit(() -> hits(n, n)));
                assertArrayEquals(hits(n, n), made, n + " hits made by the task");
            }
        }
    }
}
