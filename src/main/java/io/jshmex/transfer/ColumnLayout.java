package io.jshmex.transfer;

import io.jshmex.NativeShm;
import io.jshmex.shm.SegmentDescriptor;
import io.jshmex.shm.Segments;
import java.io.InvalidClassException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A record type laid out as columns: one shared-memory buffer per primitive leaf of the record
 * (nested records flattened, {@code position.x}), and method handles that build a record from
 * row {@code i} of the columns or write one into it. The tree of components is
 * {@link RecordLayout}'s, so a record type that can travel as rows can be held as columns.
 */
public final class ColumnLayout {
    private static final ClassValue<ColumnLayout> LAYOUTS = new ClassValue<>() {
        @Override
        protected ColumnLayout computeValue(Class<?> type) {
            RecordLayout rows = RecordLayout.of(type);
            try {
                return rows == null ? null : new ColumnLayout(rows);
            } catch (ReflectiveOperationException e) {
                return null;
            }
        }
    };

    private final RecordLayout rows;
    private final RecordLayout.Leaf[] leaves;
    private final List<String> names;
    /** {@code (Buffer[] columns, int row) Object}. */
    private final MethodHandle reader;
    /** {@code (Object record, Buffer[] columns, int row) void}. */
    private final MethodHandle writer;

    private ColumnLayout(RecordLayout rows) throws ReflectiveOperationException {
        this.rows = rows;
        this.leaves = rows.leaves();
        List<String> columnNames = new ArrayList<>();
        for (RecordLayout.Leaf leaf : leaves) {
            columnNames.add(leaf.name);
        }
        this.names = Collections.unmodifiableList(columnNames);
        this.reader = RecordLayout.reader(rows.root(), Buffer[].class, leaf -> columnGet(leaf, indexOf(leaf)));
        this.writer = RecordLayout.writer(leaves, Buffer[].class, leaf -> columnPut(leaf, indexOf(leaf)));
    }

    /**
     * The column layout of {@code type}.
     *
     * @throws IllegalArgumentException if {@code type} is not a record whose components are all
     *     primitives or such records
     */
    public static ColumnLayout of(Class<?> type) {
        ColumnLayout layout = type.isRecord() ? LAYOUTS.get(type) : null;
        if (layout == null) {
            throw new IllegalArgumentException(type.getName() + " cannot be held as columns: it must be a record whose "
                + "components are primitives or records of primitives, accessible to this library");
        }
        return layout;
    }

    private int indexOf(RecordLayout.Leaf leaf) {
        for (int i = 0; i < leaves.length; i++) {
            if (leaves[i] == leaf) {
                return i;
            }
        }
        throw new IllegalStateException("leaf " + leaf.name + " is not in " + rows.className);
    }

    private static final MethodHandles.Lookup NIO = MethodHandles.publicLookup();

    /** {@code (Buffer[] columns, int row) wire}: the leaf's column, cast to its buffer type, read at row. */
    private static MethodHandle columnGet(RecordLayout.Leaf leaf, int column) throws ReflectiveOperationException {
        Class<?> bufferType = bufferType(leaf.kind);
        MethodHandle get = NIO.findVirtual(bufferType, "get", MethodType.methodType(RecordLayout.wire(leaf), int.class));
        return MethodHandles.filterArguments(get, 0, column(column, bufferType));
    }

    /** {@code (Buffer[] columns, int row, wire value) void}. */
    private static MethodHandle columnPut(RecordLayout.Leaf leaf, int column) throws ReflectiveOperationException {
        Class<?> bufferType = bufferType(leaf.kind);
        Class<?> wire = RecordLayout.wire(leaf);
        MethodHandle put = NIO.findVirtual(bufferType, "put", MethodType.methodType(bufferType, int.class, wire))
            .asType(MethodType.methodType(void.class, bufferType, int.class, wire));
        return MethodHandles.filterArguments(put, 0, column(column, bufferType));
    }

    /** {@code (Buffer[] columns) T}: one column, as its buffer type. */
    private static MethodHandle column(int column, Class<?> bufferType) {
        return MethodHandles.insertArguments(MethodHandles.arrayElementGetter(Buffer[].class), 1, column)
            .asType(MethodType.methodType(bufferType, Buffer[].class));
    }

    private static Class<?> bufferType(ValueKind kind) {
        switch (kind) {
            case DOUBLE: return DoubleBuffer.class;
            case LONG: return LongBuffer.class;
            case FLOAT: return FloatBuffer.class;
            case INT: return IntBuffer.class;
            case SHORT: return ShortBuffer.class;
            case CHAR: return CharBuffer.class;
            default: return ByteBuffer.class;
        }
    }

    /** The record type. */
    public Class<?> type() {
        return rows.type();
    }

    /** Column names in component order, nested ones dotted. */
    public List<String> names() {
        return names;
    }

    /** What must match on both sides: names, types and order of every leaf. */
    public String signature() {
        return rows.signature;
    }

    /**
     * This side's layout of {@code type}, checked against {@code signature} from the other side.
     *
     * @throws InvalidClassException if the record class differs between the two sides
     */
    public static ColumnLayout check(Class<?> type, String signature) throws InvalidClassException {
        ColumnLayout mine = type.isRecord() ? LAYOUTS.get(type) : null;
        if (mine == null || !mine.signature().equals(signature)) {
            throw new InvalidClassException(type.getName(), "the record class differs between sender and receiver "
                + "(another version on one class path): sender has " + signature + ", receiver has "
                + (mine == null ? "a class that cannot be held as columns" : mine.signature()));
        }
        return mine;
    }

    /** The index of column {@code name}, or -1. */
    public int indexOf(String name) {
        return names.indexOf(name);
    }

    /** The element type of column {@code index}: {@code double.class}, ..., {@code boolean.class}. */
    public Class<?> elementType(int index) {
        return leaves[index].getter.type().returnType();
    }

    /** New shared-memory columns for {@code rows} rows, zero-filled. */
    public Buffer[] allocate(int rows) {
        Buffer[] columns = new Buffer[leaves.length];
        try {
            for (int i = 0; i < leaves.length; i++) {
                columns[i] = allocate(leaves[i].kind, rows);
            }
        } catch (RuntimeException | Error e) {
            release(columns);
            throw e;
        }
        return columns;
    }

    private static Buffer allocate(ValueKind kind, int rows) {
        switch (kind) {
            case DOUBLE: return NativeShm.doubles(rows);
            case LONG: return NativeShm.longs(rows);
            case FLOAT: return NativeShm.floats(rows);
            case INT: return NativeShm.ints(rows);
            case SHORT: return Segments.allocate(rows, SegmentDescriptor.TYPE_SHORT).asShortBuffer();
            case CHAR: return Segments.allocate(rows, SegmentDescriptor.TYPE_CHAR).asCharBuffer();
            case BOOLEAN: return Segments.allocate(rows, SegmentDescriptor.TYPE_BOOLEAN);
            default: return NativeShm.bytes(rows);
        }
    }

    /** Lets go of every column at once (see {@link NativeShm#release}). */
    public static void release(Buffer[] columns) {
        for (Buffer column : columns) {
            if (column != null) {
                NativeShm.release(column);
            }
        }
    }

    /** Row {@code row} as a record. */
    public Object read(Buffer[] columns, int row) {
        try {
            return (Object) reader.invokeExact(columns, row);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot build a " + rows.className + " from columns: " + t, t);
        }
    }

    /** Writes {@code record} into row {@code row}. */
    public void write(Object record, Buffer[] columns, int row) {
        try {
            writer.invokeExact(record, columns, row);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot write a " + rows.className + " into columns: " + t, t);
        }
    }

    /** A new array of the record type. */
    public Object[] newArray(int length) {
        return rows.newArray(length);
    }
}
