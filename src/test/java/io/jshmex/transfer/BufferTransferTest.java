package io.jshmex.transfer;

import static io.jshmex.transfer.TestValues.assertSameBuffer;
import static io.jshmex.transfer.TestValues.whole;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.transfer.TestValues.BufferType;
import io.jshmex.transfer.TestValues.Shape;
import java.nio.Buffer;
import java.nio.CharBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every buffer type in every shape (heap, direct, read-only, sliced, odd position and limit, both
 * byte orders, misaligned views), below, at and above the threshold and at several megabytes:
 * what arrives is equal in
 * elements and shape, and from the threshold on it is a direct buffer over shared memory.
 */
class BufferTransferTest extends LeakCheckedTest {
    static Stream<Arguments> typesAndShapes() {
        List<Arguments> cases = new ArrayList<>();
        for (BufferType type : BufferType.values()) {
            for (Shape shape : Shape.values()) {
                cases.add(Arguments.of(type, shape));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("typesAndShapes")
    void shouldDeliverEqualBufferBelowAtAndAboveThreshold(BufferType type, Shape shape) throws Exception {
        int atThreshold = (int) (LinkPair.THRESHOLD / type.size);
        // the last size spans several megabytes
        int large = (int) ((4 << 20) / type.size) + 3;
        for (int n : new int[] {atThreshold - 1, atThreshold, atThreshold + 1, 3 * atThreshold + 5, large}) {
            roundTrip(type, shape, n);
        }
    }

    private static void roundTrip(BufferType type, Shape shape, int n) throws Exception {
        String what = type + " " + shape + " of " + n;
        boolean shared = (long) n * type.size >= LinkPair.THRESHOLD;
        Buffer sent = shape.make(type, n, 5);
        try (LinkPair link = new LinkPair()) {
            Object atWorker = link.toWorker(sent);
            assertSameBuffer(sent, atWorker, what + ", parent to worker");
            assertEquals(shared ? 1 : 0, link.lastPayload.sharedValues(), what + ": values through shared memory");
            assertArrivedKind(sent, (Buffer) atWorker, shared, what + ", parent to worker");

            Object atParent = link.toParent(atWorker);
            assertSameBuffer(sent, atParent, what + ", back to the parent");
            assertArrivedKind(sent, (Buffer) atParent, shared, what + ", back to the parent");
            assertSenderUnchanged(type, shape, n, sent, (Buffer) atWorker, what);
        }
    }

    private static void assertArrivedKind(Buffer sent, Buffer got, boolean shared, String what) {
        if (shared) {
            assertTrue(got.isDirect(), what + ": a buffer from the threshold on must arrive direct");
        } else {
            assertEquals(sent.isDirect(), got.isDirect(), what + ": a small buffer keeps heap or direct");
        }
    }

    /** A buffer that is not the library's own travels as a copy: the sender's memory is its own. */
    private static void assertSenderUnchanged(BufferType type, Shape shape, int n, Buffer sent, Buffer got, String what) {
        assertEquals(whole(shape.make(type, n, 5)), whole(sent), what + ": the sender's buffer after sending");
        if (!got.isReadOnly() && n > 0) {
            type.put(got, 0, 99);
            assertEquals(type.get(shape.make(type, n, 5), 0), type.get(sent, 0),
                what + ": a write by the receiver reached the sender's buffer");
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("typesAndShapes")
    void shouldDeliverEmptyBuffer(BufferType type, Shape shape) throws Exception {
        Buffer sent = shape.make(type, 0, 0);
        try (LinkPair link = new LinkPair()) {
            Object atWorker = link.toWorker(sent);
            assertSameBuffer(sent, atWorker, "empty " + type + " " + shape);
            assertEquals(sent.isDirect(), ((Buffer) atWorker).isDirect(), "empty " + type + " " + shape + ": direct");
            assertSameBuffer(sent, link.toParent(atWorker), "empty " + type + " " + shape + ", back");
        }
    }

    @Test
    void shouldDeliverCharBufferWrappingString() throws Exception {
        String text = "shared memory ".repeat(1000);
        for (CharBuffer sent : new CharBuffer[] {CharBuffer.wrap(text), CharBuffer.wrap(text, 3, 4000),
            CharBuffer.wrap(text.substring(0, 100))}) {
            try (LinkPair link = new LinkPair()) {
                Object atWorker = link.toWorker(sent);
                assertSameBuffer(sent, atWorker, "CharBuffer.wrap(String) of " + sent.capacity());
                assertEquals(sent.toString(), atWorker.toString());
            }
        }
    }
}
