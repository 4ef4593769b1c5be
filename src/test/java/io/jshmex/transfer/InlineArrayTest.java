package io.jshmex.transfer;

import static io.jshmex.transfer.TestValues.assertSameArray;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.transfer.TestValues.ArrayType;
import java.io.InvalidObjectException;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Arrays below the threshold, on either side of the size from which they travel as one block of bytes. */
class InlineArrayTest extends LeakCheckedTest {

    static Stream<Arguments> typesAroundBulkMinimum() {
        List<Arguments> cases = new ArrayList<>();
        for (ArrayType type : ArrayType.values()) {
            int atMinimum = type.lengthFor(PayloadEncoder.INLINE_BULK_MIN_BYTES);
            cases.add(Arguments.of(type, atMinimum - 1));
            cases.add(Arguments.of(type, atMinimum));
            cases.add(Arguments.of(type, type.lengthFor(LinkPair.THRESHOLD - 1)));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}[{1}]")
    @MethodSource("typesAroundBulkMinimum")
    void shouldDeliverEqualDistinctArraysInlineBothWays(ArrayType type, int length) throws Exception {
        Object sent = type.filled(length, 7);
        try (LinkPair link = new LinkPair()) {
            Object atWorker = link.toWorker(sent);
            assertSameArray(sent, atWorker, "parent to worker");
            assertEquals(0, link.lastPayload.sharedValues(), "below the threshold nothing goes by shared memory");
            assertTrue(link.lastPayload.streamBytes() >= length * type.size, "the stream must carry the elements");

            Object atParent = link.toParent(atWorker);
            assertSameArray(sent, atParent, "worker to parent");
            assertNotSame(atWorker, atParent);
            assertSameArray(type.filled(length, 7), sent, "the sender's array after sending");
        }
    }

    @Test
    void shouldKeepTheIdentityOfAnInlineArrayMetTwice() throws Exception {
        double[] twice = new double[300];
        Arrays.fill(twice, 2.5);
        long[] other = new long[300];
        try (LinkPair link = new LinkPair()) {
            Object[] atWorker = (Object[]) link.toWorker(new Object[] {twice, other, twice, List.of(twice)});
            assertSame(atWorker[0], atWorker[2], "one array sent twice must arrive as one array");
            assertSame(atWorker[0], ((List<?>) atWorker[3]).get(0));
            assertNotSame(twice, atWorker[0]);
            assertTrue(Arrays.equals(twice, (double[]) atWorker[0]));
        }
    }

    @Test
    void shouldRefuseAnInlineArrayWhoseBytesDoNotFitItsLength() throws Exception {
        InlineArray corrupt = InlineArray.of(ValueKind.DOUBLE, new double[200], 200);
        Field length = InlineArray.class.getDeclaredField("length");
        length.setAccessible(true);
        length.setInt(corrupt, 201);

        InvalidObjectException refused = assertThrows(InvalidObjectException.class, corrupt::toArray);
        assertTrue(refused.getMessage().contains("201 elements of 8 bytes in 1600 bytes"), refused.getMessage());

        Field type = InlineArray.class.getDeclaredField("elementType");
        type.setAccessible(true);
        type.setInt(corrupt, 99);
        refused = assertThrows(InvalidObjectException.class, corrupt::toArray);
        assertTrue(refused.getMessage().contains("unknown element type 99"), refused.getMessage());
    }
}
