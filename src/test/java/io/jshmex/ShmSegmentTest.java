package io.jshmex;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.shm.MappedMemory;
import io.jshmex.testing.Gc;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.ShmFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.WeakReference;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ShmSegmentTest extends LeakCheckedTest {
    private static final long TWO_GIB = 2L << 30;

    /** A typed view of a whole segment, and the width of its elements. */
    enum View {
        DOUBLES(8, ShmSegment::asDoubleBuffer),
        LONGS(8, ShmSegment::asLongBuffer),
        INTS(4, ShmSegment::asIntBuffer),
        FLOATS(4, ShmSegment::asFloatBuffer);

        final int width;
        final Function<ShmSegment, Buffer> make;

        View(int width, Function<ShmSegment, Buffer> make) {
            this.width = width;
            this.make = make;
        }
    }

    // ---- views ----

    @ParameterizedTest
    @ValueSource(longs = {1, 100, 4096, 65_537})
    void shouldViewWholeSegmentAsDirectNativeOrderBuffer(long byteSize) {
        try (ShmSegment segment = NativeShm.create(byteSize)) {
            ByteBuffer view = segment.asByteBuffer();

            assertAll(
                () -> assertEquals(byteSize, view.capacity(), "capacity"),
                () -> assertEquals(byteSize, view.limit(), "limit"),
                () -> assertEquals(0, view.position()),
                () -> assertTrue(view.isDirect()),
                () -> assertEquals(ByteOrder.nativeOrder(), view.order()));
        }
    }

    @Test
    void shouldViewEmptySegmentAsEmptyBuffer() {
        try (ShmSegment segment = NativeShm.create(0)) {
            assertEquals(0, segment.asByteBuffer().capacity());
            assertEquals(0, segment.asDoubleBuffer().capacity());
        }
    }

    static Stream<Arguments> typedViewsAndSizes() {
        return Stream.of(View.values()).flatMap(view -> Stream.of(0L, 7L, 8L, 4100L).map(size -> Arguments.of(view, size)));
    }

    @ParameterizedTest
    @MethodSource("typedViewsAndSizes")
    void shouldSizeTypedViewByWholeElements(View kind, long byteSize) {
        try (ShmSegment segment = NativeShm.create(byteSize)) {
            Buffer view = kind.make.apply(segment);

            assertEquals(byteSize / kind.width, view.capacity());
            assertTrue(view.isDirect());
        }
    }

    @Test
    void shouldShareBytesBetweenTypedAndByteViewsInNativeOrder() {
        try (ShmSegment segment = NativeShm.create(64)) {
            segment.asLongBuffer().put(3, 0x0102030405060708L);
            segment.asDoubleBuffer().put(4, 1.5);
            segment.asIntBuffer().put(10, -2);
            segment.asFloatBuffer().put(11, 0.25f);

            ByteBuffer bytes = segment.asByteBuffer();
            ByteBuffer expected = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, 0x0102030405060708L);
            for (int i = 0; i < 8; i++) {
                assertEquals(expected.get(i), bytes.get(24 + i), "byte " + i + " of the long");
            }
            assertEquals(1.5, bytes.getDouble(32));
            assertEquals(-2, bytes.getInt(40));
            assertEquals(0.25f, bytes.getFloat(44));
        }
    }

    @ParameterizedTest
    @CsvSource({"0, 10", "1, 100", "4095, 2", "8191, 1", "8192, 0", "0, 8192", "100, 8000"})
    void shouldSeeRightBytesThroughWindow(long offset, int length) {
        try (ShmSegment segment = NativeShm.create(8192)) {
            ByteBuffer whole = segment.asByteBuffer();
            for (int i = 0; i < 8192; i++) {
                whole.put(i, pattern(i));
            }

            ByteBuffer window = segment.asByteBuffer(offset, length);

            for (int i = 0; i < length; i++) {
                if (window.get(i) != pattern(offset + i)) {
                    throw new AssertionError("window byte " + i + " is " + window.get(i) + ", segment byte "
                        + (offset + i) + " is " + pattern(offset + i));
                }
            }
            if (length > 0) {
                window.put(length - 1, (byte) -1);
                assertEquals(-1, whole.get((int) offset + length - 1));
            }
            assertEquals(ByteOrder.nativeOrder(), window.order());
            assertEquals(length, window.capacity());
        }
    }

    @ParameterizedTest
    @CsvSource({
        "-1, 1",
        "8192, 1",
        "8191, 2",
        "0, 8193",
        "0, -1",
        "9223372036854775807, 1",
        "-9223372036854775808, 1",
        "4096, 2147483647"})
    void shouldRejectWindowOutsideSegment(long offset, int length) {
        try (ShmSegment segment = NativeShm.create(8192)) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> segment.asByteBuffer(offset, length));

            assertTrue(e.getMessage().contains(segment.name()), e.getMessage());
        }
    }

    @Test
    void shouldReachEveryByteOfSegmentLargerThanTwoGiBThroughWindowsOnly() {
        long byteSize = TWO_GIB + 4096;
        try (ShmSegment big = NativeShm.create(byteSize); ShmSegment other = NativeShm.attach(big.name())) {
            assertEquals(byteSize, other.byteSize());
            for (View kind : View.values()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> kind.make.apply(big));
                assertTrue(e.getMessage().contains("window"), e.getMessage());
            }
            IllegalArgumentException whole = assertThrows(IllegalArgumentException.class, big::asByteBuffer);
            assertTrue(whole.getMessage().contains("window"), whole.getMessage());

            big.asByteBuffer(TWO_GIB, 4096).put(4095, (byte) 0x5A);
            assertEquals(0x5A, other.asByteBuffer(byteSize - 1, 1).get(0));
            big.asByteBuffer(TWO_GIB - 2, 4).putInt(0, 0xCAFEBABE);
            assertEquals(0xCAFEBABE, other.asByteBuffer(TWO_GIB - 2, 4).getInt(0), "an int across the 2 GiB mark");

            assertEquals(4096, big.asByteBuffer(TWO_GIB, 4096).capacity());
            assertEquals(Integer.MAX_VALUE, big.asByteBuffer(0, Integer.MAX_VALUE).capacity());
        }
    }

    // ---- close and unlink ----

    @Test
    void shouldDetachEarlierViewsOnClose() {
        ShmSegment creator = NativeShm.create(4096);
        try (ShmSegment other = NativeShm.attach(creator.name())) {
            ByteBuffer bytes = creator.asByteBuffer();
            DoubleBuffer doubles = creator.asDoubleBuffer();
            ByteBuffer window = creator.asByteBuffer(1024, 8);
            doubles.put(0, 42.0);
            window.put(0, (byte) 7);

            creator.close();

            assertAll(
                () -> assertEquals(0.0, doubles.get(0), "a view of a closed segment must read zeros"),
                () -> assertEquals(0, bytes.get(1024)),
                () -> assertEquals(0, window.get(0)));
            doubles.put(0, -1.0);
            window.put(0, (byte) -1);
            bytes.put(4095, (byte) -1);
            assertAll(
                () -> assertEquals(42.0, other.asDoubleBuffer().get(0), "a write after close reached another mapping"),
                () -> assertEquals(7, other.asByteBuffer().get(1024)),
                () -> assertEquals(0, other.asByteBuffer().get(4095)));
        }
    }

    static Stream<Arguments> viewMakers() {
        return Stream.of(
            Arguments.of("asByteBuffer()", (Function<ShmSegment, Buffer>) ShmSegment::asByteBuffer),
            Arguments.of("asByteBuffer(offset, length)", (Function<ShmSegment, Buffer>) s -> s.asByteBuffer(8, 8)),
            Arguments.of("asDoubleBuffer()", (Function<ShmSegment, Buffer>) ShmSegment::asDoubleBuffer),
            Arguments.of("asLongBuffer()", (Function<ShmSegment, Buffer>) ShmSegment::asLongBuffer),
            Arguments.of("asIntBuffer()", (Function<ShmSegment, Buffer>) ShmSegment::asIntBuffer),
            Arguments.of("asFloatBuffer()", (Function<ShmSegment, Buffer>) ShmSegment::asFloatBuffer));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("viewMakers")
    void shouldRefuseNewViewsAfterClose(String description, Function<ShmSegment, Buffer> makeView) {
        ShmSegment segment = NativeShm.create(64);
        Buffer before = makeView.apply(segment);
        segment.close();

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> makeView.apply(segment));

        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertTrue(before.isDirect());
    }

    @Test
    void shouldCloseIdempotently() {
        ShmSegment segment = NativeShm.create(64);
        ByteBuffer view = segment.asByteBuffer();
        long mappedBefore = MappedMemory.mappedBytes();

        segment.close();
        segment.close();

        assertTrue(segment.isClosed());
        assertTrue(segment.toString().contains("closed"), segment.toString());
        assertEquals(mappedBefore - 128, MappedMemory.mappedBytes(), "a second close must not release twice");
        assertEquals(0, view.get(0));
    }

    @Test
    void shouldUnlinkAndUnmapWhenCreatorCloses() {
        ShmSegment segment = NativeShm.create(4096);
        ByteBuffer liveView = segment.asByteBuffer();
        assertTrue(ShmFiles.mappedHere(segment.name()));

        segment.close();

        assertFalse(NativeShm.list().contains(segment.name()));
        assertFalse(ShmFiles.exists(segment.name()));
        assertFalse(ShmFiles.mappedHere(segment.name()), "close must let the shared memory go despite a live view");
        assertEquals(0, liveView.get(0));
    }

    @Test
    void shouldKeepNameWhenAttachedSegmentCloses() {
        try (ShmSegment creator = NativeShm.create(64)) {
            ShmSegment attached = NativeShm.attach(creator.name());
            attached.asByteBuffer().put(0, (byte) 3);

            attached.close();

            assertTrue(attached.isClosed());
            assertFalse(creator.isClosed());
            assertTrue(NativeShm.list().contains(creator.name()));
            assertEquals(3, creator.asByteBuffer().get(0));
            try (ShmSegment again = NativeShm.attach(creator.name())) {
                assertEquals(3, again.asByteBuffer().get(0));
            }
        }
    }

    @Test
    void shouldKeepMappingUsableAfterUnlink() {
        try (ShmSegment segment = NativeShm.create(4096); ShmSegment other = NativeShm.attach(segment.name())) {
            ByteBuffer view = segment.asByteBuffer();

            segment.unlink();

            assertFalse(NativeShm.list().contains(segment.name()));
            assertThrows(SegmentNotFoundException.class, () -> NativeShm.attach(segment.name()));
            view.put(100, (byte) 11);
            assertEquals(11, segment.asByteBuffer().get(100), "new views still work after unlink");
            assertEquals(11, other.asByteBuffer().get(100), "processes that attached before still share the memory");
            assertTrue(ShmFiles.mappedHere(segment.name()));
            segment.unlink();
        }
    }

    @Test
    void shouldUnlinkNameFromAttachedSegment() {
        try (ShmSegment creator = NativeShm.create(64); ShmSegment attached = NativeShm.attach(creator.name())) {
            attached.unlink();

            assertFalse(NativeShm.list().contains(creator.name()));
            creator.asByteBuffer().put(0, (byte) 1);
            assertEquals(1, attached.asByteBuffer().get(0));
        }
    }

    @Test
    void shouldNotUnlinkSuccessorOfSameNameWhenClosing() throws IOException {
        String name = "jshmextest-successor-" + ThreadLocalRandom.current().nextInt(1 << 30);
        ShmSegment first = NativeShm.create(name, 64);
        try {
            // a receiver maps the segment and unlinks the name at once, as the design has it
            try (ShmSegment receiver = NativeShm.attach(name)) {
                receiver.unlink();
            }
            try (ShmSegment second = NativeShm.create(name, 64)) {
                first.close();

                assertTrue(ShmFiles.exists(name), "closing a segment unlinked the next one of the same name");
                try (ShmSegment receiver = NativeShm.attach(name)) {
                    assertEquals(64, receiver.byteSize());
                }
            }
        } finally {
            first.close();
            Files.deleteIfExists(ShmFiles.path(name));
        }
    }

    @Test
    void shouldRefuseViewsAfterCloseReturnsEvenWhileOtherThreadsMakeViews() throws InterruptedException {
        for (int round = 0; round < 50; round++) {
            ShmSegment segment = NativeShm.create(64);
            AtomicReference<Throwable> unexpected = new AtomicReference<>();
            CountDownLatch started = new CountDownLatch(2);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                Thread thread = new Thread(() -> {
                    started.countDown();
                    try {
                        while (true) {
                            ByteBuffer view = segment.asByteBuffer();
                            view.put(0, (byte) 1);
                        }
                    } catch (IllegalStateException closed) {
                        // the end this thread waits for
                    } catch (Throwable t2) {
                        unexpected.set(t2);
                    }
                });
                threads.add(thread);
                thread.start();
            }
            started.await();

            segment.close();

            boolean closed = segment.isClosed();
            Throwable late = null;
            try {
                segment.asByteBuffer();
            } catch (IllegalStateException expected) {
                late = expected;
            }
            for (Thread thread : threads) {
                thread.join(10_000);
                if (thread.isAlive()) {
                    throw new AssertionError("a thread still gets views of segment closed in round " + round);
                }
            }
            assertNull(unexpected.get());
            assertTrue(closed, "isClosed() is false right after close() in round " + round);
            if (late == null) {
                throw new AssertionError("a view was made after close() returned, in round " + round);
            }
        }
    }

    // ---- the garbage collector ----

    @Test
    void shouldUnlinkAndUnmapUnreachableSegment() {
        long mappedBefore = MappedMemory.mappedBytes();
        String name = createAndDrop(1 << 20);
        assertTrue(NativeShm.list().contains(name));

        assertTrue(Gc.until(() -> !NativeShm.list().contains(name)), "unreachable segment still listed");
        assertTrue(Gc.until(() -> MappedMemory.mappedBytes() <= mappedBefore && !ShmFiles.mappedHere(name)),
            "unreachable segment still mapped");
    }

    private static String createAndDrop(long byteSize) {
        ShmSegment segment = NativeShm.create(byteSize);
        segment.asByteBuffer().put(0, (byte) 1);
        return segment.name();
    }

    @Test
    void shouldKeepMappingAliveWhileViewIsReachable() {
        long mappedBefore = MappedMemory.mappedBytes();
        String[] name = new String[1];
        List<WeakReference<ShmSegment>> dropped = new ArrayList<>();
        DoubleBuffer view = viewOfDroppedSegment(name, dropped);

        assertTrue(Gc.until(() -> dropped.get(0).get() == null), "the segment object was never collected");
        Gc.settle();

        assertTrue(NativeShm.list().contains(name[0]), "the name went while a view was still reachable");
        assertTrue(ShmFiles.mappedHere(name[0]));
        for (int i = 0; i < 1000; i++) {
            assertEquals(i * 0.5, view.get(i));
        }
        try (ShmSegment other = NativeShm.attach(name[0])) {
            assertEquals(999 * 0.5, other.asDoubleBuffer().get(999));
        }

        view = null;

        assertNull(view);
        assertTrue(Gc.until(() -> !NativeShm.list().contains(name[0]) && !ShmFiles.mappedHere(name[0])),
            "the segment outlived its last view");
        assertTrue(Gc.until(() -> MappedMemory.mappedBytes() <= mappedBefore));
    }

    private static DoubleBuffer viewOfDroppedSegment(String[] name, List<WeakReference<ShmSegment>> dropped) {
        ShmSegment segment = NativeShm.create(8 * 1000);
        name[0] = segment.name();
        dropped.add(new WeakReference<>(segment));
        DoubleBuffer view = segment.asDoubleBuffer();
        for (int i = 0; i < 1000; i++) {
            view.put(i, i * 0.5);
        }
        return view;
    }

    @Test
    void shouldUnmapButNotUnlinkWhenAttachedSegmentIsCollected() throws Exception {
        try (ShmSegment creator = NativeShm.create(4096)) {
            long mappedWithCreator = MappedMemory.mappedBytes();
            attachAndDrop(creator.name());
            assertEquals(2, mappingsOf(creator.name()));

            assertTrue(Gc.until(() -> mappingsOf(creator.name()) == 1), "the attached mapping was never unmapped");

            assertTrue(NativeShm.list().contains(creator.name()));
            assertTrue(Gc.until(() -> MappedMemory.mappedBytes() <= mappedWithCreator));
        }
    }

    private static void attachAndDrop(String name) {
        NativeShm.attach(name).asByteBuffer().put(0, (byte) 1);
    }

    private static long mappingsOf(String name) {
        String file = "/dev/shm/" + name;
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.filter(line -> line.endsWith(file) || line.endsWith(file + " (deleted)")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte pattern(long index) {
        return (byte) (index * 31 + 7);
    }
}
