package io.jshmex.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.NativeShm;
import io.jshmex.ShmSegment;
import io.jshmex.shm.Mapping;
import io.jshmex.shm.Views;
import io.jshmex.testing.BufferKind;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.ShmFiles;
import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Buffers made by NativeShm, and views of a user's ShmSegment, travel by name with no copy,
 * whatever their size: the receiver maps the same memory, and the name stays (it is the user's).
 */
class NamedSegmentTransferTest extends LeakCheckedTest {
    private static String segmentOf(Buffer buffer) {
        return Mapping.containing(Views.address(buffer)).name();
    }

    @ParameterizedTest
    @EnumSource(BufferKind.class)
    void shouldSendNativeShmBufferByNameAndShareItsMemory(BufferKind kind) throws Exception {
        Buffer original = kind.allocate(1000);
        String name = segmentOf(original);
        for (int i = 0; i < 1000; i++) {
            kind.put(original, i, i % 100);
        }
        try (LinkPair link = new LinkPair()) {
            Buffer atWorker = (Buffer) link.toWorker(original);

            assertEquals(1, link.lastTable.size());
            TableEntry entry = link.lastTable.get(0);
            assertTrue(entry.named(), "a NativeShm buffer went as a copy: " + entry);
            assertEquals(name, entry.name());
            assertEquals(0, entry.offset());
            assertEquals(1000L * kind.elementBytes(), entry.bytes());
            assertEquals(0, link.parent.blocks().blockCount(), "a by-name buffer took a transfer block");

            assertNotSame(original, atWorker);
            assertTrue(atWorker.isDirect());
            assertEquals(original, atWorker);
            assertEquals(kind.order(original), kind.order(atWorker));
            kind.put(atWorker, 7, 77);
            assertEquals(77.0, kind.get(original, 7), "a write through the received view is not in the original");
            kind.put(original, 8, 88);
            assertEquals(88.0, kind.get(atWorker, 8), "a write through the original is not in the received view");

            assertTrue(ShmFiles.exists(name), "the receiver unlinked a user's segment");
        } finally {
            NativeShm.release(original);
        }
    }

    @Test
    void shouldSendSmallNativeShmBufferByNameToo() throws Exception {
        DoubleBuffer original = NativeShm.doubles(3);
        try (LinkPair link = new LinkPair()) {
            DoubleBuffer atWorker = (DoubleBuffer) link.toWorker(original);
            assertTrue(link.lastTable.get(0).named());
            atWorker.put(2, 2.5);
            assertEquals(2.5, original.get(2));
        } finally {
            NativeShm.release(original);
        }
    }

    @Test
    void shouldKeepPositionLimitAndReadOnlyOfNativeShmBufferSentByName() throws Exception {
        DoubleBuffer original = NativeShm.doubles(1000);
        for (int i = 0; i < 1000; i++) {
            original.put(i, i);
        }
        original.position(3).limit(901);
        DoubleBuffer readOnly = original.asReadOnlyBuffer();
        try (LinkPair link = new LinkPair()) {
            Object[] atWorker = (Object[]) link.toWorker(new Object[] {original, readOnly});
            DoubleBuffer writable = (DoubleBuffer) atWorker[0];
            DoubleBuffer locked = (DoubleBuffer) atWorker[1];
            for (TableEntry entry : link.lastTable) {
                assertTrue(entry.named(), entry.toString());
                assertEquals(0, entry.offset(), "a buffer's position moved its start: " + entry);
            }
            assertEquals(3, writable.position());
            assertEquals(901, writable.limit());
            assertEquals(1000, writable.capacity());
            assertEquals(original, writable);
            assertTrue(locked.isReadOnly());
            assertEquals(readOnly, locked);
            writable.put(0, -1);
            assertEquals(-1.0, original.get(0));
            assertEquals(-1.0, locked.get(0));
        } finally {
            NativeShm.release(original);
        }
    }

    @Test
    void shouldSendSliceOfNativeShmBufferByNameAtItsOffset() throws Exception {
        DoubleBuffer original = NativeShm.doubles(1000);
        for (int i = 0; i < 1000; i++) {
            original.put(i, i);
        }
        DoubleBuffer slice = original.slice(100, 50);
        try (LinkPair link = new LinkPair()) {
            DoubleBuffer atWorker = (DoubleBuffer) link.toWorker(slice);
            TableEntry entry = link.lastTable.get(0);
            assertTrue(entry.named());
            assertEquals(800, entry.offset());
            assertEquals(400, entry.bytes());
            assertEquals(50, atWorker.capacity());
            assertEquals(100.0, atWorker.get(0));
            assertEquals(149.0, atWorker.get(49));
            atWorker.put(0, -5);
            assertEquals(-5.0, original.get(100));
        } finally {
            NativeShm.release(original);
        }
    }

    @Test
    void shouldSendNativeShmBufferMetTwiceAsOneObject() throws Exception {
        DoubleBuffer original = NativeShm.doubles(1000);
        try (LinkPair link = new LinkPair()) {
            Object[] atWorker = (Object[]) link.toWorker(new Object[] {original, List.of(original)});
            assertEquals(1, link.lastTable.size());
            assertSame(atWorker[0], ((List<?>) atWorker[1]).get(0));
        } finally {
            NativeShm.release(original);
        }
    }

    @Test
    void shouldSendViewOfUserNamedSegmentByNameAndLeaveTheName() throws Exception {
        String name = "jshmex_test_" + ProcessHandle.current().pid() + "_" + ThreadLocalRandom.current().nextInt(1 << 30);
        try (ShmSegment segment = NativeShm.create(name, 8000); LinkPair link = new LinkPair()) {
            DoubleBuffer view = segment.asDoubleBuffer();
            view.put(10, 10.5);
            DoubleBuffer atWorker = (DoubleBuffer) link.toWorker(view);
            TableEntry entry = link.lastTable.get(0);
            assertTrue(entry.named());
            assertEquals(name, entry.name());
            assertEquals(10.5, atWorker.get(10));
            atWorker.put(11, 11.5);
            assertEquals(11.5, view.get(11));

            link.worker.sweepNamed();
            assertTrue(ShmFiles.exists(name), "the receiver unlinked the user's segment");
            assertTrue(NativeShm.list().contains(name));
            try (ShmSegment again = NativeShm.attach(name)) {
                assertEquals(11.5, again.asDoubleBuffer().get(11));
            }
            assertEquals(11.5, atWorker.get(11), "a swept receiver lost a segment that still exists");
        }
        assertFalse(ShmFiles.exists(name));
    }

    @Test
    void shouldMapANewSegmentUnderAReusedNameAfterTheSweep() throws Exception {
        String name = "jshmex_test_" + ProcessHandle.current().pid() + "_" + ThreadLocalRandom.current().nextInt(1 << 30);
        try (LinkPair link = new LinkPair()) {
            try (ShmSegment first = NativeShm.create(name, 800)) {
                first.asDoubleBuffer().put(0, 1);
                assertEquals(1.0, ((DoubleBuffer) link.toWorker(first.asDoubleBuffer())).get(0));
            }
            link.worker.sweepNamed();
            try (ShmSegment second = NativeShm.create(name, 1600)) {
                second.asDoubleBuffer().put(0, 2).put(199, 3);
                DoubleBuffer atWorker = (DoubleBuffer) link.toWorker(second.asDoubleBuffer());
                assertEquals(200, atWorker.capacity());
                assertEquals(2.0, atWorker.get(0), "the receiver read the old segment of that name");
                assertEquals(3.0, atWorker.get(199));
            }
        }
    }
}
