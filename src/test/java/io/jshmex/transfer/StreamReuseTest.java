package io.jshmex.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jshmex.SerializableFunction;
import io.jshmex.testing.LeakCheckedTest;
import java.io.IOException;
import java.io.NotSerializableException;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Encoders and decoders are kept from one message to the next: each message must still stand
 * alone (no object shared with an earlier one, nothing of it retained), a failed message must not
 * spoil the next, and functions that capture nothing are decoded once and then handed out again.
 */
class StreamReuseTest extends LeakCheckedTest {
    private static int[] twice(int[] values) {
        int[] out = values.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] *= 2;
        }
        return out;
    }

    @Test
    void messagesThroughOneLinkStandAlone() throws Exception {
        try (LinkPair link = new LinkPair()) {
            int[] small = {1, 2, 3};
            List<Object> first = castList(link.toWorker(List.of(small, small, "label")));
            List<Object> second = castList(link.toWorker(List.of(small, small, "label")));
            assertSame(first.get(0), first.get(1), "one object met twice in a message arrives as one");
            assertNotSame(first.get(0), second.get(0), "a later message must not refer back to an earlier one");
            ((int[]) second.get(0))[0] = 99;
            assertArrayEquals(new int[] {1, 2, 3}, (int[]) first.get(0));
            for (int i = 0; i < 200; i++) {
                Map<String, Object> back = castMap(link.toParent(Map.of("i", i, "values", new long[] {i, -i})));
                assertEquals(i, back.get("i"));
                assertArrayEquals(new long[] {i, -i}, (long[]) back.get("values"));
            }
        }
    }

    @Test
    void aCorruptMessageDoesNotSpoilTheNext() throws Exception {
        try (LinkPair link = new LinkPair()) {
            assertEquals("before", link.toWorker("before"));
            byte[] good = PayloadEncoder.encode(List.of("some", "words"), link.threshold, null).stream();
            byte[] cut = java.util.Arrays.copyOf(good, good.length - 3);
            assertThrows(IOException.class, () -> link.worker.decode(cut, List.of(), null));
            byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
            IOException extra = assertThrows(IOException.class, () -> link.worker.decode(trailing, List.of(), null));
            assertEquals("corrupt message: 1 bytes past its object", extra.getMessage());
            assertEquals(List.of("some", "words"), link.worker.decode(good, List.of(), null));
            assertEquals("after", link.toWorker("after"));
        }
    }

    @Test
    void aFailedEncodingDoesNotSpoilTheNext() throws Exception {
        Object unserializable = new Object();
        assertThrows(NotSerializableException.class,
            () -> PayloadEncoder.encode(List.of("x", new ArrayList<>(List.of(unserializable))), 4096, null));
        try (LinkPair link = new LinkPair()) {
            assertEquals(List.of("fine"), link.toWorker(List.of("fine")));
        }
    }

    @Test
    void aMessageTooLargeToKeepTheStreamForIsFollowedByFreshOnes() throws Exception {
        try (LinkPair link = new LinkPair()) {
            List<String> words = new ArrayList<>();
            for (int i = 0; i < 200_000; i++) {
                words.add("word " + i);
            }
            assertEquals(words, link.toWorker(words), "a message over " + PayloadEncoder.KEEP_AFTER_BYTES_AT_MOST + " bytes");
            assertEquals(List.of("word 0", "word 1", "word 2"), link.toParent(new ArrayList<>(words.subList(0, 3))));
            int[] small = {4, 5};
            List<Object> twice = castList(link.toWorker(List.of(small, small)));
            assertSame(twice.get(0), twice.get(1));
            assertArrayEquals(small, (int[]) twice.get(0));
        }
    }

    @Test
    void theDecoderKeepsNothingOfWhatItDecoded() throws Exception {
        try (LinkPair link = new LinkPair()) {
            WeakReference<Object> decoded = new WeakReference<>(link.toWorker(new int[] {1, 2, 3}));
            for (int i = 0; i < 50 && decoded.get() != null; i++) {
                System.gc();
                Thread.sleep(10);
            }
            assertNull(decoded.get(), "the kept decoder must not hold a message's objects after it");
        }
    }

    @Test
    void functionsThatCaptureNothingAreDecodedOnce() throws Exception {
        try (LinkPair link = new LinkPair()) {
            SerializableFunction<int[], int[]> reference = StreamReuseTest::twice;
            Object first = link.toWorker(reference);
            Object second = link.toWorker(reference);
            assertSame(first, second, "a stateless function is decoded once");
            @SuppressWarnings("unchecked")
            SerializableFunction<int[], int[]> arrived = (SerializableFunction<int[], int[]>) first;
            assertArrayEquals(new int[] {2, 4}, arrived.apply(new int[] {1, 2}));
        }
    }

    @Test
    void capturedStateTravelsWithEveryMessage() throws Exception {
        try (LinkPair link = new LinkPair()) {
            int[] counter = {0};
            SerializableFunction<Integer, Integer> counting = step -> counter[0] += step;
            @SuppressWarnings("unchecked")
            SerializableFunction<Integer, Integer> first = (SerializableFunction<Integer, Integer>) link.toWorker(counting);
            @SuppressWarnings("unchecked")
            SerializableFunction<Integer, Integer> second = (SerializableFunction<Integer, Integer>) link.toWorker(counting);
            assertNotSame(first, second);
            assertEquals(5, first.apply(5));
            assertEquals(7, first.apply(2));
            assertEquals(1, second.apply(1), "each message brings its own copy of what the function captured");
            assertEquals(0, counter[0], "the caller's captured state is never changed");
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Object> castList(Object value) {
        return (List<Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object value) {
        return (Map<String, Object>) value;
    }
}
