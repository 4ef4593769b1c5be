package io.jshmex.transfer;

import io.jshmex.shm.Mapping;
import io.jshmex.shm.Shm;
import io.jshmex.shm.Views;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Field;
import java.nio.Buffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sending half of the one object stream: Java serialization in which every primitive array
 * of at least {@code threshold} bytes and every buffer is swapped for a {@link SharedRef},
 * wherever it sits in the graph (field, collection element, record component, array element,
 * the root). A value met twice is swapped once and arrives as one object. Smaller arrays of a
 * kilobyte or more travel inline as one block of bytes ({@link InlineArray}).
 *
 * <p>Each thread keeps one encoder for all its messages: setting up an object stream costs more
 * than writing a small task. A message is what the stream writes for one object after its handle
 * table was cleared, without the stream header, so any {@link PayloadDecoder} can read it; the
 * table is cleared again after each message, so the encoder holds nothing of the graph.
 */
public final class PayloadEncoder extends ObjectOutputStream {
    private static final ThreadLocal<PayloadEncoder> PER_THREAD = new ThreadLocal<>();
    /**
     * A stream kept between messages keeps the capacity its largest message needed (buffer and
     * handle table); after a message larger than this it is dropped instead.
     */
    static final int KEEP_AFTER_BYTES_AT_MOST = 1 << 20;
    /** Inline arrays from this size on are copied in bulk rather than element by element. */
    static final long INLINE_BULK_MIN_BYTES = 1024;
    /** The largest inline array copied in bulk: one byte array must hold it, with room to spare. */
    static final long INLINE_BULK_MAX_BYTES = 1 << 30;

    private final ByteArrayOutputStream bytes;
    private boolean busy;
    private long threshold;
    private BlockPool ownBlocks;
    private List<Object> values;
    private List<SharedRef> refs;
    private List<Mapping> homes;
    /** Values of registered wrapper fields: they go through shared memory whatever their size. */
    private final Map<Object, Boolean> forced = new IdentityHashMap<>();

    private PayloadEncoder(ByteArrayOutputStream bytes) throws IOException {
        super(bytes);
        this.bytes = bytes;
        enableReplaceObject(true);
    }

    /**
     * Encodes {@code graph}.
     *
     * @param threshold arrays of at least this many bytes go through shared memory
     * @param ownBlocks the sender's transfer pool: buffers allocated from it go by reference;
     *     null in the parent before a worker is chosen
     * @throws java.io.NotSerializableException naming the class that cannot be serialized
     * @throws IOException if serialization fails otherwise
     */
    public static Payload encode(Object graph, long threshold, BlockPool ownBlocks) throws IOException {
        PayloadEncoder encoder = PER_THREAD.get();
        if (encoder == null || encoder.busy) {
            // busy: a class's writeObject that sends something of its own while being encoded
            encoder = new PayloadEncoder(new ByteArrayOutputStream(256));
            if (PER_THREAD.get() == null) {
                PER_THREAD.set(encoder);
            }
        }
        return encoder.write(graph, threshold, ownBlocks);
    }

    private Payload write(Object graph, long threshold, BlockPool ownBlocks) throws IOException {
        busy = true;
        boolean keep = false;
        try {
            this.threshold = threshold;
            this.ownBlocks = ownBlocks;
            values = new ArrayList<>();
            refs = new ArrayList<>();
            homes = new ArrayList<>();
            bytes.reset();
            writeObject(graph);
            flush();
            Payload payload = new Payload(bytes.toByteArray(), values, refs, homes);
            // forget the graph: the next message starts from an empty handle table on both sides
            reset();
            // the reset's mark stays out of every message: flushed here, dropped below
            flush();
            keep = payload.stream.length <= KEEP_AFTER_BYTES_AT_MOST;
            return payload;
        } finally {
            values = null;
            refs = null;
            homes = null;
            ownBlocks = null;
            forced.clear();
            bytes.reset();
            busy = false;
            if (!keep && PER_THREAD.get() == this) {
                // a failed write can leave the stream mid-object, a large one its capacity: afresh next time
                PER_THREAD.remove();
            }
        }
    }

    @Override
    protected Object replaceObject(Object obj) throws IOException {
        if (obj instanceof Buffer) {
            return replaceBuffer((Buffer) obj);
        }
        if (obj instanceof SerializedLambda) {
            StatelessLambda stateless = StatelessLambda.of((SerializedLambda) obj);
            return stateless != null ? stateless : obj;
        }
        Class<?> type = obj.getClass();
        if (type.isArray()) {
            ValueKind kind = ValueKind.ofArray(obj);
            if (kind != null) {
                int length = ValueKind.arrayLength(obj);
                if ((long) length * kind.size >= threshold || forced.containsKey(obj)) {
                    return add(obj, null, new SharedRef(values.size(), SharedRef.ARRAY, kind.type, length, 0, length,
                        false, false));
                }
                if (InlineArray.suits(kind, (long) length * kind.size)) {
                    return InlineArray.of(kind, obj, length);
                }
            } else if (type.getComponentType().isRecord()) {
                return replaceRecords((Object[]) obj);
            }
            return obj;
        }
        markWrappedFields(obj);
        return obj;
    }

    private Object replaceRecords(Object[] rows) {
        RecordLayout layout = RecordLayout.of(rows.getClass().getComponentType());
        if (layout == null || (long) rows.length * layout.rowBytes < threshold || !layout.canPack(rows)) {
            return rows;
        }
        return add(rows, null, new SharedRef(values.size(), layout, rows.length));
    }

    private void markWrappedFields(Object obj) throws IOException {
        for (Field field : WrapperRegistry.fieldsOf(obj.getClass())) {
            try {
                Object value = field.get(obj);
                if (value != null) {
                    forced.put(value, Boolean.TRUE);
                }
            } catch (IllegalAccessException e) {
                throw new IOException("cannot read registered wrapper field " + field, e);
            }
        }
    }

    private Object replaceBuffer(Buffer buffer) {
        ValueKind kind = ValueKind.ofBuffer(buffer);
        long bytes = (long) buffer.capacity() * kind.size;
        Mapping home = buffer.isDirect() && Shm.isAvailable() ? homeOf(buffer, bytes) : null;
        if (home == null && bytes < threshold && !forced.containsKey(buffer)) {
            return InlineBuffer.of(buffer);
        }
        SharedRef ref = new SharedRef(values.size(), SharedRef.BUFFER, kind.type, buffer.capacity(), buffer.position(),
            buffer.limit(), ValueKind.order(buffer) == ByteOrder.BIG_ENDIAN, buffer.isReadOnly());
        return add(buffer, home, ref);
    }

    /**
     * The mapping a direct buffer can be sent by reference from: a user's segment (made by
     * NativeShm, by name) or a block of the sender's own pool; null if it must be copied.
     */
    private Mapping homeOf(Buffer buffer, long bytes) {
        Mapping mapping = Mapping.containing(Views.address(buffer));
        if (mapping == null) {
            return null;
        }
        long offset = Views.address(buffer) - mapping.dataAddress();
        if (offset + bytes > mapping.dataBytes()) {
            return null;
        }
        Object tag = mapping.tag();
        if (tag == null) {
            return mapping;
        }
        if (ownBlocks != null && tag instanceof BlockPool.Block && ((BlockPool.Block) tag).pool() == ownBlocks) {
            return mapping;
        }
        return null;
    }

    private SharedRef add(Object value, Mapping home, SharedRef ref) {
        values.add(value);
        homes.add(home);
        refs.add(ref);
        return ref;
    }
}
