package io.jshmex.transfer;

import static io.jshmex.transfer.PoolSupport.get;
import static io.jshmex.transfer.PoolSupport.oneWorker;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.ArrayWrappers;
import io.jshmex.ProcessPoolExecutor;
import io.jshmex.SerializableFunction;
import io.jshmex.testing.LeakCheckedTest;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.DoubleBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Registered array wrappers: the registered field goes through shared memory whatever its size,
 * the caller's object is never touched, and bad registrations are refused at once. Every class
 * registered here is private to this test, since registrations last as long as the JVM.
 */
class WrapperTransferTest extends LeakCheckedTest {
    private static final long THRESHOLD = 65536;

    static class Waveform implements Serializable {
        double[] samples;
        String channel;

        Waveform(double[] samples, String channel) {
            this.samples = samples;
            this.channel = channel;
        }
    }

    static class LabelledWaveform extends Waveform {
        String label;

        LabelledWaveform(double[] samples, String channel, String label) {
            super(samples, channel);
            this.label = label;
        }
    }

    static class Trace implements Serializable {
        transient DoubleBuffer data;
        int id;

        Trace(DoubleBuffer data, int id) {
            this.data = data;
            this.id = id;
        }

        // a buffer is not Serializable: the class hands it to the stream itself, as a user would
        private void writeObject(ObjectOutputStream out) throws IOException {
            out.defaultWriteObject();
            out.writeObject(data);
        }

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            data = (DoubleBuffer) in.readObject();
        }
    }

    /** Like a third-party class: its own writeObject, but the array still written as one object. */
    static class DefaultWriter implements Serializable {
        long[] data;
        String tag;

        DefaultWriter(long[] data, String tag) {
            this.data = data;
            this.tag = tag;
        }

        private void writeObject(ObjectOutputStream out) throws IOException {
            out.defaultWriteObject();
        }

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
        }
    }

    static class ObjectWriter implements Serializable {
        transient float[] data;
        transient String tag;

        ObjectWriter(float[] data, String tag) {
            this.data = data;
            this.tag = tag;
        }

        private void writeObject(ObjectOutputStream out) throws IOException {
            out.writeUTF(tag);
            out.writeObject(data);
        }

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            tag = in.readUTF();
            data = (float[]) in.readObject();
        }
    }

    static class ElementWriter implements Serializable {
        transient int[] data;

        ElementWriter(int[] data) {
            this.data = data;
        }

        private void writeObject(ObjectOutputStream out) throws IOException {
            out.writeInt(data.length);
            for (int value : data) {
                out.writeInt(value);
            }
        }

        private void readObject(ObjectInputStream in) throws IOException {
            data = new int[in.readInt()];
            for (int i = 0; i < data.length; i++) {
                data[i] = in.readInt();
            }
        }
    }

    /** Registered only once a pool is running. */
    static class LateWrapper implements Serializable {
        short[] data;

        LateWrapper(short[] data) {
            this.data = data;
        }
    }

    static class NotSerializable {
        double[] data;
    }

    static class BadFields implements Serializable {
        static double[] shared;
        String text;
        Object anything;
        double[] fine;
    }

    record Component(double[] data) implements Serializable {
    }

    @BeforeAll
    static void register() {
        ArrayWrappers.register(Waveform.class, "samples");
        ArrayWrappers.register(Trace.class, "data");
        ArrayWrappers.register(DefaultWriter.class, "data");
        ArrayWrappers.register(ObjectWriter.class, "data");
        ArrayWrappers.register(ElementWriter.class, "data");
    }

    static double[] ramp(int n, double start) {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = start + i;
        }
        return values;
    }

    static void assertSameWaveform(Waveform expected, Object actual, String what) {
        assertTrue(actual != null && actual.getClass() == expected.getClass(), what + " arrived as " + actual);
        Waveform w = (Waveform) actual;
        assertArrayEquals(expected.samples, w.samples, what + ": samples");
        assertEquals(expected.channel, w.channel, what + ": channel");
        if (expected instanceof LabelledWaveform) {
            assertEquals(((LabelledWaveform) expected).label, ((LabelledWaveform) actual).label, what + ": label");
        }
    }

    @Test
    void shouldSendTinyRegisteredArrayThroughSharedMemory() throws Exception {
        Waveform w = new Waveform(ramp(10, 1), "ch1");
        Payload payload = PayloadEncoder.encode(w, THRESHOLD, null);
        assertEquals(1, payload.sharedValues(), "a registered field goes by shared memory whatever its size");
        assertEquals(1, PayloadEncoder.encode(new LabelledWaveform(ramp(10, 1), "ch1", "x"), THRESHOLD, null).sharedValues(),
            "a subclass inherits its superclass's registration");
        assertEquals(0, PayloadEncoder.encode(ramp(10, 1), THRESHOLD, null).sharedValues(),
            "the same array outside a wrapper follows the threshold");
    }

    @Test
    void shouldRoundTripWrappersAndSubclassesEqual() throws Exception {
        Waveform small = new Waveform(ramp(10, 1), "small");
        Waveform large = new Waveform(ramp(50_000, 2), "large");
        Waveform sub = new LabelledWaveform(ramp(10, 3), "sub", "labelled");
        Waveform empty = new Waveform(new double[0], null);
        Waveform none = new Waveform(null, "no samples");
        SerializableFunction<Waveform, Waveform> identity = x -> x;
        try (ProcessPoolExecutor pool = oneWorker()) {
            for (Waveform w : List.of(small, large, sub, empty)) {
                assertSameWaveform(w, get(pool.submit(identity, w)), w.channel + " returned");
            }
            Waveform back = get(pool.submit(identity, none));
            assertEquals(null, back.samples);
            assertEquals("no samples", back.channel);

            Waveform made = get(pool.submit(() -> new LabelledWaveform(ramp(10, 7), "made", "in worker")));
            assertSameWaveform(new LabelledWaveform(ramp(10, 7), "made", "in worker"), made, "made in the worker");
        }
    }

    @Test
    void shouldLeaveCallersWrapperUnchangedWhenTaskMutatesItsCopy() throws Exception {
        double[] samples = ramp(10, 1);
        Waveform w = new Waveform(samples, "ch");
        SerializableFunction<Waveform, Waveform> mutate = x -> {
            x.samples[0] = -1;
            x.samples = new double[] {42};
            x.channel = "changed";
            return x;
        };
        try (ProcessPoolExecutor pool = oneWorker()) {
            Waveform back = get(pool.submit(mutate, w));
            assertArrayEquals(new double[] {42}, back.samples);
            assertSame(samples, w.samples, "the caller's wrapper got another array");
            assertArrayEquals(ramp(10, 1), samples, "the caller's array changed");
            assertEquals("ch", w.channel);

            double[] inPlace = get(pool.submit(() -> {
                w.samples[1] = -2;
                return w.samples;
            }));
            assertEquals(-2.0, inPlace[1]);
            assertSame(samples, w.samples);
            assertArrayEquals(ramp(10, 1), samples, "the captured wrapper's array changed");
        }
    }

    @Test
    void shouldSendRegisteredBufferFieldThroughSharedMemory() throws Exception {
        Trace trace = new Trace(DoubleBuffer.wrap(ramp(10, 5)), 7);
        assertEquals(1, PayloadEncoder.encode(trace, THRESHOLD, null).sharedValues(),
            "a registered buffer field goes by shared memory whatever its size");

        SerializableFunction<Trace, Trace> identity = x -> x;
        try (ProcessPoolExecutor pool = oneWorker()) {
            Trace back = get(pool.submit(identity, trace));
            assertEquals(7, back.id);
            assertEquals(trace.data, back.data, "buffer contents");
            assertEquals(0, trace.data.position());
            assertEquals(10, trace.data.limit());
        }
    }

    @Test
    void shouldReachWorkersWithRegistrationMadeAfterPoolStarted() throws Exception {
        try (ProcessPoolExecutor pool = oneWorker()) {
            SerializableFunction<Integer, Integer> sharedInWorker = WrapperTransferTest::lateWrapperSharedValues;
            // a rerun in the same JVM finds the class registered already
            boolean registeredBefore = WrapperRegistry.snapshot().stream()
                .anyMatch(p -> p[0].equals(LateWrapper.class.getName()));
            assertEquals(registeredBefore ? 1 : 0, get(pool.submit(sharedInWorker, 3)), "before the registration");

            ArrayWrappers.register(LateWrapper.class, "data");
            assertEquals(1, PayloadEncoder.encode(new LateWrapper(new short[3]), THRESHOLD, null).sharedValues());
            assertEquals(1, get(pool.submit(sharedInWorker, 3)), "the running worker did not learn the registration");
            Boolean known = get(pool.submit(() -> WrapperRegistry.snapshot().stream()
                .anyMatch(p -> p[0].equals(LateWrapper.class.getName()) && p[1].equals("data"))));
            assertTrue(known, "the worker's registry lacks the late registration");

            SerializableFunction<LateWrapper, LateWrapper> identity = x -> x;
            LateWrapper back = get(pool.submit(identity, new LateWrapper(new short[] {1, -2, 3})));
            assertArrayEquals(new short[] {1, -2, 3}, back.data);
        }
    }

    static int lateWrapperSharedValues(int length) {
        try {
            return PayloadEncoder.encode(new LateWrapper(new short[length]), THRESHOLD, null).sharedValues();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void shouldRefuseWrongRegistrationsAtOnce() throws IOException {
        assertRefused(BadFields.class, "missing", "no field named 'missing'");
        assertRefused(BadFields.class, "text", "java.lang.String");
        assertRefused(BadFields.class, "anything", "java.lang.Object");
        assertRefused(BadFields.class, "shared", "static");
        assertRefused(Component.class, "data", "record component");
        assertRefused(NotSerializable.class, "data", "not Serializable");
        assertRefused(null, "data", "required");
        assertRefused(BadFields.class, null, "required");
        assertEquals(0, PayloadEncoder.encode(bad(), THRESHOLD, null).sharedValues(),
            "a refused registration must leave no trace");
    }

    private static BadFields bad() {
        BadFields b = new BadFields();
        b.fine = new double[3];
        return b;
    }

    private static void assertRefused(Class<?> type, String field, String expected) {
        int version = WrapperRegistry.version();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ArrayWrappers.register(type, field),
            "registering " + type + "." + field);
        assertTrue(e.getMessage().contains(expected), "message for " + field + " lacks '" + expected + "': " + e.getMessage());
        if (type != null && field != null) {
            assertTrue(e.getMessage().contains(type.getName()), "message does not name the class: " + e.getMessage());
        }
        assertEquals(version, WrapperRegistry.version(), "a refused registration changed the registry");
    }

    @Test
    void shouldHandleClassesWithCustomWriteObject() throws Exception {
        DefaultWriter byDefault = new DefaultWriter(new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE}, "default");
        ObjectWriter byObject = new ObjectWriter(new float[] {Float.NaN, -0.0f, 1.5f}, "object");
        ElementWriter byElement = new ElementWriter(new int[] {Integer.MIN_VALUE, 0, 7, Integer.MAX_VALUE});
        assertEquals(1, PayloadEncoder.encode(byDefault, THRESHOLD, null).sharedValues(), "defaultWriteObject");
        assertEquals(1, PayloadEncoder.encode(byObject, THRESHOLD, null).sharedValues(), "writeObject(data)");
        assertEquals(0, PayloadEncoder.encode(byElement, THRESHOLD, null).sharedValues(),
            "elements written one by one never pass as an array");

        SerializableFunction<Object[], Object[]> identity = x -> x;
        try (ProcessPoolExecutor pool = oneWorker()) {
            Object[] back = get(pool.submit(identity, new Object[] {byDefault, byObject, byElement}));
            DefaultWriter d = (DefaultWriter) back[0];
            assertArrayEquals(byDefault.data, d.data);
            assertEquals("default", d.tag);
            ObjectWriter o = (ObjectWriter) back[1];
            assertArrayEquals(byObject.data, o.data);
            assertEquals("object", o.tag);
            assertArrayEquals(byElement.data, ((ElementWriter) back[2]).data);
            assertNotSame(byElement.data, ((ElementWriter) back[2]).data);

            ElementWriter large = new ElementWriter(new int[100_000]);
            Arrays.setAll(large.data, i -> i * 3);
            SerializableFunction<ElementWriter, ElementWriter> same = x -> x;
            assertArrayEquals(large.data, get(pool.submit(same, large)).data);
        }
    }
}
