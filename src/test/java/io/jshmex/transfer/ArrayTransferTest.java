package io.jshmex.transfer;

import static io.jshmex.transfer.TestValues.assertSameArray;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.transfer.TestValues.ArrayType;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Every primitive array type, just below, at and just above the threshold, both ways. */
class ArrayTransferTest extends LeakCheckedTest {
    /** Larger than this, the stream must have carried the elements themselves. */
    private static final int DESCRIPTOR_BYTES = 1024;

    static Stream<Arguments> typesAroundThreshold() {
        List<Arguments> cases = new ArrayList<>();
        for (ArrayType type : ArrayType.values()) {
            // threshold - 1 bytes rounded down to whole elements, exactly the threshold, one element more
            cases.add(Arguments.of(type, type.lengthFor(LinkPair.THRESHOLD - 1)));
            cases.add(Arguments.of(type, type.lengthFor(LinkPair.THRESHOLD)));
            cases.add(Arguments.of(type, type.lengthFor(LinkPair.THRESHOLD) + 1));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}[{1}]")
    @MethodSource("typesAroundThreshold")
    void shouldDeliverEqualDistinctArrayBothWaysAndShareOnlyFromThreshold(ArrayType type, int length) throws Exception {
        boolean shared = (long) length * type.size >= LinkPair.THRESHOLD;
        Object sent = type.filled(length, 3);
        try (LinkPair link = new LinkPair()) {
            Object atWorker = link.toWorker(sent);
            assertSameArray(sent, atWorker, "parent to worker");
            assertTravelledAs(shared, link, length * type.size);
            assertSameArray(type.filled(length, 3), sent, "the sender's array after sending");

            Object atParent = link.toParent(atWorker);
            assertSameArray(sent, atParent, "worker to parent");
            assertTravelledAs(shared, link, length * type.size);
        }
    }

    private static void assertTravelledAs(boolean shared, LinkPair link, int bytes) {
        assertEquals(shared ? 1 : 0, link.lastPayload.sharedValues(), "values that went through shared memory");
        assertEquals(shared ? 1 : 0, link.lastTable.size(), "segment table entries");
        if (shared) {
            assertTrue(link.lastPayload.streamBytes() < DESCRIPTOR_BYTES,
                "a shared array still filled the stream: " + link.lastPayload.streamBytes() + " bytes");
        } else {
            assertTrue(link.lastPayload.streamBytes() >= bytes,
                "an inline array of " + bytes + " bytes took only " + link.lastPayload.streamBytes() + " stream bytes");
        }
    }

    @ParameterizedTest
    @EnumSource(ArrayType.class)
    void shouldDeliverEmptyArrayInline(ArrayType type) throws Exception {
        Object empty = type.filled(0, 0);
        try (LinkPair link = new LinkPair()) {
            assertSameArray(empty, link.toWorker(empty), "parent to worker");
            assertEquals(0, link.lastPayload.sharedValues());
            assertSameArray(empty, link.toParent(type.filled(0, 0)), "worker to parent");
        }
    }

    @ParameterizedTest
    @EnumSource(ArrayType.class)
    void shouldDeliverEmptyArrayThroughSharedMemoryWhenThresholdIsZero(ArrayType type) throws Exception {
        Object empty = type.filled(0, 0);
        try (LinkPair link = new LinkPair(0)) {
            assertSameArray(empty, link.toWorker(empty), "parent to worker");
            assertEquals(1, link.lastPayload.sharedValues());
            assertSameArray(empty, link.toParent(type.filled(0, 0)), "worker to parent");
            assertEquals(1, link.lastPayload.sharedValues());
        }
    }

    /**
     * Several megabytes in one chunk, and across several chunks with a tail that is not a whole
     * cache line: every element arrives, in both directions.
     */
    @ParameterizedTest
    @EnumSource(ArrayType.class)
    void shouldDeliverArraysOfSeveralMegabytesBitExact(ArrayType type) throws Exception {
        int[] lengths = {type.lengthFor((4 << 20) - 1), type.lengthFor(9 << 20) + 3};
        for (int length : lengths) {
            Object sent = type.filled(length, 11);
            try (LinkPair link = new LinkPair()) {
                assertSameArray(sent, link.toWorker(sent), type + "[" + length + "] parent to worker");
                assertSameArray(sent, link.toParent(sent), type + "[" + length + "] worker to parent");
            }
        }
    }
}
