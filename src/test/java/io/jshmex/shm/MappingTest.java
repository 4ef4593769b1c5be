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
    void shouldCopyArraysInAndOutAtByteOffsetsWithAndWithoutStreamingStores() {
        int n = 50_000;
        Mapping mapping = Mapping.create(SegmentNames.generate(), 8L * n + 64, SegmentDescriptor.TYPE_RAW, 8L * n + 64);
        try {
            for (boolean stream : new boolean[] {false, true}) {
                double[] doubles = new double[n];
                for (int i = 0; i < n; i++) {
                    doubles[i] = i * 0.5 + (stream ? 1 : 0);
                }
                // from element 3 on, to an offset that is not a multiple of 8
                mapping.copyFromArray(5, doubles, 3 * 8, 8L * (n - 3), stream);
                assertEquals(doubles[3], mapping.scratchView(5, 8).getDouble(0), "first copied element");
                assertEquals(doubles[n - 1], mapping.scratchView(5 + 8L * (n - 4), 8).getDouble(0), "last element");

                short[] back = new short[4 * n];
                mapping.copyToArray(5, back, 2 * 7, 8L * (n - 3), stream);
                assertEquals(0, back[6], "a short before the copied range was written");
                ByteBuffer expected = mapping.scratchView(5, 8L * (n - 3));
                for (int i = 0; i < 4 * (n - 3); i++) {
                    assertEquals(expected.getShort(2 * i), back[7 + i], "short " + i);
                }
                assertEquals(0, back[7 + 4 * (n - 3)], "a short after the copied range was written");

                // the pinned native copy, whichever way this JVM copies by default
                double[] pinnedBack = new double[n];
                Shm.copyArray(true, pinnedBack, 8, mapping.dataAddress() + 5, 8L * (n - 3), stream);
                assertEquals(doubles[3], pinnedBack[1], "first element copied by the pinned path");
                assertEquals(doubles[n - 1], pinnedBack[n - 3], "last element copied by the pinned path");
                assertEquals(0, pinnedBack[n - 2], "an element after the pinned copy was written");
                Shm.copyArray(false, pinnedBack, 8, mapping.dataAddress() + 5, 8L * (n - 3), stream);
                assertEquals(doubles[4], mapping.scratchView(5 + 8, 8).getDouble(0), "pinned copy into the mapping");

                ByteBuffer direct = ByteBuffer.allocateDirect(1000);
                for (int i = 0; i < 1000; i++) {
                    direct.put(i, (byte) (i * 7));
                }
                mapping.copyFromAddress(11, Views.address(direct) + 100, 900, stream);
                assertEquals(direct.slice(100, 900), mapping.scratchView(11, 900), "bytes from native memory");
            }
            assertThrows(IndexOutOfBoundsException.class,
                () -> mapping.copyFromArray(8L * n + 1, new long[8], 0, 64, true), "a window past the end");
            assertThrows(IndexOutOfBoundsException.class,
                () -> mapping.copyToArray(-1, new long[8], 0, 64, false), "a negative offset");
            assertThrows(IllegalArgumentException.class,
                () -> mapping.copyToArray(0, new long[8], 4, 16, true), "half a long into the array");
            assertThrows(IllegalArgumentException.class,
                () -> mapping.copyFromArray(0, new int[8], 0, 6, false), "a length of one and a half ints");
        } finally {
            mapping.close();
        }
        assertThrows(IllegalStateException.class, () -> mapping.copyFromArray(0, new int[4], 0, 16, false),
            "a copy into a closed mapping");
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
