package io.jshmex.transfer;

import static io.jshmex.transfer.PoolSupport.get;
import static io.jshmex.transfer.PoolSupport.oneWorker;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.NativeShm;
import io.jshmex.ProcessPoolExecutor;
import io.jshmex.RecordTable;
import io.jshmex.SerializableCallable;
import io.jshmex.testing.LeakCheckedTest;
import java.nio.DoubleBuffer;
import java.nio.LongBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Records held as shared-memory columns: built, read, written in place by a task, released. */
class RecordTableTest extends LeakCheckedTest {
    record Hit(double time, long channel, float area, int flags) { }

    record Point(short x, char tag) { }

    record Sample(Point at, boolean valid, byte level, Point to) { }

    record Named(String name, double value) { }

    private static Hit[] hits(int n) {
        Hit[] hits = new Hit[n];
        for (int i = 0; i < n; i++) {
            hits[i] = new Hit(i * 0.5, i, i * 0.25f, i % 7);
        }
        return hits;
    }

    @Test
    void holdsRecordsAsColumns() {
        Hit[] hits = hits(1000);
        RecordTable<Hit> table = RecordTable.of(hits);
        try {
            assertEquals(1000, table.size());
            assertEquals(Hit.class, table.type());
            assertEquals(List.of("time", "channel", "area", "flags"), table.columns());
            assertEquals(hits[123], table.get(123));
            assertArrayEquals(hits, table.toArray());
            DoubleBuffer time = table.doubles("time");
            assertEquals(1000, time.capacity());
            assertEquals(499.5, time.get(999));
            LongBuffer channel = table.longs("channel");
            channel.put(5, -1);
            assertEquals(new Hit(2.5, -1, 1.25f, 5), table.get(5), "a column is a view of the table");
            table.set(6, new Hit(1, 2, 3, 4));
            assertEquals(4, table.ints("flags").get(6));
            assertEquals(3f, table.floats("area").get(6));
        } finally {
            table.release();
        }
    }

    @Test
    void flattensNestedRecordsAndStoresEveryPrimitiveKind() {
        RecordTable<Sample> table = RecordTable.allocate(Sample.class, 3);
        try {
            assertEquals(List.of("at.x", "at.tag", "valid", "level", "to.x", "to.tag"), table.columns());
            assertEquals(new Sample(new Point((short) 0, '\0'), false, (byte) 0, new Point((short) 0, '\0')), table.get(2),
                "a new table is zero");
            Sample s = new Sample(new Point((short) -3, 'q'), true, (byte) -7, new Point(Short.MAX_VALUE, '\uffff'));
            table.set(1, s);
            assertEquals(s, table.get(1));
            assertEquals(1, table.bytes("valid").get(1));
            assertEquals('q', table.chars("at.tag").get(1));
            assertEquals(Short.MAX_VALUE, table.shorts("to.x").get(1));
            assertEquals(-7, table.bytes("level").get(1));
        } finally {
            table.release();
        }
    }

    @Test
    void travelsToATaskByNameAndTheTaskWritesInPlace() throws Exception {
        Hit[] hits = hits(200_000);
        RecordTable<Hit> table = RecordTable.of(hits);
        try (ProcessPoolExecutor pool = oneWorker()) {
            SerializableCallable<Double> shift = () -> {
                DoubleBuffer time = table.doubles("time");
                double sum = 0;
                for (int i = 0; i < table.size(); i++) {
                    time.put(i, time.get(i) + 1);
                    sum += table.get(i).flags();
                }
                return sum;
            };
            double flags = 0;
            for (Hit hit : hits) {
                flags += hit.flags();
            }
            assertEquals(flags, get(pool.submit(shift)));
            assertEquals(get(pool.submit(shift)), flags, "the same table again");
            for (int i = 0; i < hits.length; i += 997) {
                assertEquals(new Hit(hits[i].time() + 2, hits[i].channel(), hits[i].area(), hits[i].flags()), table.get(i));
            }
            RecordTable<Hit> made = get(pool.submit(() -> RecordTable.of(hits(10))));
            assertArrayEquals(hits(10), made.toArray(), "a table a task makes comes back by name");
            made.release();
        } finally {
            table.release();
        }
        assertTrue(NativeShm.list().stream().noneMatch(name -> name.contains("jshmex")), "released tables leave nothing");
    }

    @Test
    void refusesWhatItCannotHold() {
        IllegalArgumentException notPrimitive = assertThrows(IllegalArgumentException.class,
            () -> RecordTable.allocate(Named.class, 3));
        assertTrue(notPrimitive.getMessage().contains(Named.class.getName()), notPrimitive.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RecordTable.allocate(Hit.class, -1));
        Hit[] withNull = hits(3);
        withNull[1] = null;
        assertThrows(NullPointerException.class, () -> RecordTable.of(withNull));
        RecordTable<Hit> table = RecordTable.allocate(Hit.class, 2);
        try {
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> table.doubles("tme"));
            assertEquals("no column 'tme' in " + Hit.class.getName() + "; its columns are [time, channel, area, flags]",
                missing.getMessage());
            IllegalArgumentException wrongType = assertThrows(IllegalArgumentException.class, () -> table.doubles("flags"));
            assertTrue(wrongType.getMessage().contains("holds int"), wrongType.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> table.get(2));
            assertThrows(IndexOutOfBoundsException.class, () -> table.set(-1, new Hit(0, 0, 0, 0)));
            assertThrows(NullPointerException.class, () -> table.set(0, null));
        } finally {
            table.release();
        }
        assertEquals(0.0, table.doubles("time").get(0), "a released table reads zeros");
    }
}
