package io.jshmex.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.NativeShm;
import io.jshmex.ShmException;
import io.jshmex.testing.Gc;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.ShmFiles;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MappingTest extends LeakCheckedTest {
    @Test
    void shouldFindMappingByAnyAddressOfItsData() {
        Mapping mapping = Mapping.create(SegmentNames.generate(), 1000, SegmentDescriptor.TYPE_RAW, 1000);
        try {
            long data = mapping.dataAddress();

            assertSame(mapping, Mapping.containing(data));
            assertSame(mapping, Mapping.containing(data + 999));
            assertNull(Mapping.containing(data - 1), "the header is not data");
            assertNull(Mapping.containing(data + 1000), "past the end is not data");
        } finally {
            mapping.close();
        }
        assertNull(Mapping.containing(mapping.dataAddress()), "a closed mapping must not be found");
    }

    @Test
    void shouldDescribeCreatedMapping() {
        String name = SegmentNames.generate();
        Mapping mapping = Mapping.create(name, 800, SegmentDescriptor.TYPE_DOUBLE, 100);
        try {
            SegmentInfo info = mapping.info();

            assertEquals(name, mapping.name());
            assertEquals(800, mapping.dataBytes());
            assertEquals(864, info.mappedBytes());
            assertEquals(SegmentDescriptor.TYPE_DOUBLE, info.elementType());
            assertEquals(100, info.elementCount());
            assertEquals(Shm.pid(), info.creatorPid());
            assertTrue(mapping.isOwner());
            assertTrue(mapping.isOpen());
        } finally {
            mapping.close();
        }
    }

    @Test
    void shouldKeepRangeMappedWhileViewsLiveAfterOpenerReleases() {
        AtomicInteger unmapped = new AtomicInteger();
        String name = SegmentNames.generate();
        ByteBuffer view = viewOfReleasedMapping(name, unmapped);

        Gc.settle();

        assertEquals(0, unmapped.get(), "unmapped while a view was reachable");
        assertTrue(NativeShm.list().contains(name));
        assertEquals(42, view.get(7));
        view.put(8, (byte) 43);

        view = null;

        assertNull(view);
        assertTrue(Gc.until(() -> unmapped.get() == 1), "never unmapped after the last view went");
        assertFalse(NativeShm.list().contains(name), "the owner's name outlived the mapping");
        assertFalse(ShmFiles.mappedHere(name));
    }

    private static ByteBuffer viewOfReleasedMapping(String name, AtomicInteger unmapped) {
        Mapping mapping = Mapping.create(name, 100, SegmentDescriptor.TYPE_RAW, 100);
        mapping.onUnmap(unmapped::incrementAndGet);
        ByteBuffer view = mapping.view(0, 100);
        view.put(7, (byte) 42);
        mapping.release();
        mapping.release();
        return view;
    }

    @Test
    void shouldUnmapAtOnceWhenClosedWithoutViews() {
        AtomicInteger unmapped = new AtomicInteger();
        Mapping mapping = Mapping.create(SegmentNames.generate(), 100, SegmentDescriptor.TYPE_RAW, 100);
        mapping.onUnmap(unmapped::incrementAndGet);

        mapping.close();
        mapping.close();
        mapping.release();

        assertEquals(1, unmapped.get());
        assertFalse(mapping.isOpen());
        assertFalse(ShmFiles.mappedHere(mapping.name()));
        assertFalse(ShmFiles.exists(mapping.name()));
    }

    @Test
    void shouldRetireRangeOnCloseAndUnmapItWhenLastViewGoes() {
        AtomicInteger unmapped = new AtomicInteger();
        Mapping mapping = Mapping.create(SegmentNames.generate(), 4096, SegmentDescriptor.TYPE_RAW, 4096);
        mapping.onUnmap(unmapped::incrementAndGet);
        retireWithGarbageView(mapping);

        assertFalse(mapping.isOpen());
        assertFalse(ShmFiles.mappedHere(mapping.name()), "close must drop the shared pages at once");
        assertThrows(IllegalStateException.class, () -> mapping.view(0, 1));
        assertTrue(Gc.until(() -> unmapped.get() == 1), "the retired range was never unmapped");
    }

    private static void retireWithGarbageView(Mapping mapping) {
        ByteBuffer view = mapping.view(0, 4096);
        view.put(0, (byte) 1);
        mapping.close();
        assertEquals(0, view.get(0), "a retired range reads zeros");
        view.put(0, (byte) 2);
    }

    @Test
    void shouldRefuseToCreateSegmentWhoseElementsExceedItsData() {
        String name = SegmentNames.generate();
        long mappedBefore = MappedMemory.mappedBytes();

        assertThrows(ShmException.class, () -> Mapping.create(name, 80, SegmentDescriptor.TYPE_DOUBLE, 11));

        assertFalse(ShmFiles.exists(name));
        assertEquals(mappedBefore, MappedMemory.mappedBytes());
    }

    @Test
    void shouldRefuseViewOutsideData() {
        Mapping mapping = Mapping.create(SegmentNames.generate(), 100, SegmentDescriptor.TYPE_RAW, 100);
        try {
            assertThrows(IndexOutOfBoundsException.class, () -> mapping.view(-1, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> mapping.view(0, 101));
            assertThrows(IndexOutOfBoundsException.class, () -> mapping.view(100, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> mapping.view(1, -1));
            assertEquals(0, mapping.view(100, 0).capacity());
        } finally {
            mapping.close();
        }
    }

    @Test
    void shouldLeaveNameOfAttachedMappingAlone() {
        Mapping creator = Mapping.create(SegmentNames.generate(), 64, SegmentDescriptor.TYPE_RAW, 64);
        try {
            Mapping attached = Mapping.attach(creator.name());

            assertFalse(attached.isOwner());
            assertFalse(attached.unlinkName());
            attached.close();

            assertTrue(ShmFiles.exists(creator.name()));
        } finally {
            creator.close();
        }
        assertFalse(ShmFiles.exists(creator.name()));
    }

    @Test
    void shouldUnlinkOwnNameOnlyOnce() {
        Mapping mapping = Mapping.create(SegmentNames.generate(), 64, SegmentDescriptor.TYPE_RAW, 64);
        try {
            assertTrue(mapping.unlinkName());
            assertFalse(mapping.unlinkName());
            assertFalse(ShmFiles.exists(mapping.name()));
        } finally {
            mapping.close();
        }
    }

    @Test
    void shouldNotUnlinkNameItWasToldIsGone() {
        Mapping mapping = Mapping.create(SegmentNames.generate(), 64, SegmentDescriptor.TYPE_RAW, 64);
        mapping.forgetName();

        mapping.close();

        assertTrue(ShmFiles.exists(mapping.name()), "a forgotten name belongs to someone else now");
        assertTrue(NativeShm.unlink(mapping.name()));
    }

    @Test
    void shouldHandReleaseOfTaggedMappingToItsTag() {
        Mapping mapping = Mapping.create(SegmentNames.generate(), 64, SegmentDescriptor.TYPE_RAW, 64);
        try {
            AtomicInteger released = new AtomicInteger();
            mapping.tag((Runnable) released::incrementAndGet);
            ByteBuffer view = mapping.view(0, 64);

            assertTrue(NativeShm.release(view));

            assertEquals(1, released.get());
            assertTrue(mapping.isOpen(), "the tag decides what release means");
        } finally {
            mapping.close();
        }
    }
}
