package io.jshmex;

import io.jshmex.transfer.ColumnLayout;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.List;
import java.util.Objects;

/**
 * Rows of a record type held as columns in shared memory: one {@link NativeShm} buffer per
 * primitive component (nested records flattened into dotted names, {@code position.x}), so that
 * a task can work on a million records without a million objects on either side.
 *
 * <pre>{@code
 * record Hit(double time, long channel, float area, int flags) {}
 *
 * RecordTable<Hit> hits = RecordTable.of(hitArray);           // or RecordTable.allocate(Hit.class, n)
 * pool.submit(() -> {                                         // travels by name, no copy
 *     DoubleBuffer time = hits.doubles("time");
 *     for (int i = 0; i < time.capacity(); i++) time.put(i, time.get(i) + 1);
 *     return null;
 * }).get();
 * double t0 = hits.get(0).time();                             // the task's writes are seen here
 * }</pre>
 *
 * <p>Like the {@code NativeShm} buffers it is made of, a table is shared, not copied: a task
 * that receives it writes the caller's memory. Its memory goes back when the table (and every
 * column buffer taken from it) is unreachable, or at once by {@link #release()}; afterwards its
 * columns read zeros. It travels only through a {@link ProcessPoolExecutor}: plain Java
 * serialization cannot write its buffers. Not thread-safe for concurrent writes to one row.
 *
 * @param <R> the record type
 */
public final class RecordTable<R extends Record> implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Class<R> type;
    private final String signature;
    private final int size;
    private final Buffer[] columns;
    private transient ColumnLayout layout;

    private RecordTable(Class<R> type, ColumnLayout layout, int size, Buffer[] columns) {
        this.type = type;
        this.layout = layout;
        this.signature = layout.signature();
        this.size = size;
        this.columns = columns;
    }

    /**
     * A table of {@code rows} rows of {@code type}, every column zero.
     *
     * @throws IllegalArgumentException if {@code type} has a component that is neither a
     *     primitive nor such a record, or {@code rows} is negative or too large for one column
     *     (2 GiB - 1 bytes)
     * @throws ShmSpaceException if {@code /dev/shm} has no room (nothing is left allocated)
     */
    public static <R extends Record> RecordTable<R> allocate(Class<R> type, int rows) {
        Objects.requireNonNull(type, "type");
        if (rows < 0) {
            throw new IllegalArgumentException("rows must not be negative: " + rows);
        }
        ColumnLayout layout = ColumnLayout.of(type);
        return new RecordTable<>(type, layout, rows, layout.allocate(rows));
    }

    /**
     * A table holding a copy of {@code rows}.
     *
     * @throws NullPointerException if {@code rows} or one of its elements (or a nested record
     *     in one) is null: a table has no place for a missing row
     * @throws IllegalArgumentException as {@link #allocate}
     * @throws ShmSpaceException as {@link #allocate}
     */
    @SuppressWarnings("unchecked")
    public static <R extends Record> RecordTable<R> of(R[] rows) {
        Objects.requireNonNull(rows, "rows");
        RecordTable<R> table = allocate((Class<R>) rows.getClass().getComponentType(), rows.length);
        try {
            for (int i = 0; i < rows.length; i++) {
                table.set(i, rows[i]);
            }
        } catch (RuntimeException | Error e) {
            table.release();
            throw e;
        }
        return table;
    }

    /** The number of rows. */
    public int size() {
        return size;
    }

    /** The record type. */
    public Class<R> type() {
        return type;
    }

    /** The column names, in component order (nested components dotted). */
    public List<String> columns() {
        return layout.names();
    }

    /**
     * Row {@code row} as a new record.
     *
     * @throws IndexOutOfBoundsException if {@code row} is not in {@code [0, size())}
     */
    public R get(int row) {
        Objects.checkIndex(row, size);
        return type.cast(layout.read(columns, row));
    }

    /**
     * Writes {@code value} into row {@code row}.
     *
     * @throws IndexOutOfBoundsException if {@code row} is not in {@code [0, size())}
     * @throws NullPointerException if {@code value}, or a record nested in it, is null
     */
    public void set(int row, R value) {
        Objects.checkIndex(row, size);
        Objects.requireNonNull(value, "a table row cannot be null");
        layout.write(value, columns, row);
    }

    /** Every row as a new array of records. */
    @SuppressWarnings("unchecked")
    public R[] toArray() {
        R[] rows = (R[]) layout.newArray(size);
        for (int i = 0; i < size; i++) {
            rows[i] = type.cast(layout.read(columns, i));
        }
        return rows;
    }

    /**
     * Column {@code name} of {@code double} components: a view of the table's memory (absolute
     * {@code get(i)}/{@code put(i, v)} index rows).
     *
     * @throws IllegalArgumentException if there is no such column, or it is of another type
     */
    public DoubleBuffer doubles(String name) {
        return (DoubleBuffer) column(name, double.class);
    }

    /** Column {@code name} of {@code long} components; see {@link #doubles(String)}. */
    public LongBuffer longs(String name) {
        return (LongBuffer) column(name, long.class);
    }

    /** Column {@code name} of {@code float} components; see {@link #doubles(String)}. */
    public FloatBuffer floats(String name) {
        return (FloatBuffer) column(name, float.class);
    }

    /** Column {@code name} of {@code int} components; see {@link #doubles(String)}. */
    public IntBuffer ints(String name) {
        return (IntBuffer) column(name, int.class);
    }

    /** Column {@code name} of {@code short} components; see {@link #doubles(String)}. */
    public ShortBuffer shorts(String name) {
        return (ShortBuffer) column(name, short.class);
    }

    /** Column {@code name} of {@code char} components; see {@link #doubles(String)}. */
    public CharBuffer chars(String name) {
        return (CharBuffer) column(name, char.class);
    }

    /**
     * Column {@code name} of {@code byte} or {@code boolean} components (a boolean is stored as
     * 0 or 1); see {@link #doubles(String)}.
     */
    public ByteBuffer bytes(String name) {
        int index = indexOf(name);
        Class<?> element = layout.elementType(index);
        if (element != byte.class && element != boolean.class) {
            throw wrongType(name, element, "byte or boolean");
        }
        return ((ByteBuffer) columns[index]).duplicate().order(((ByteBuffer) columns[index]).order());
    }

    private Buffer column(String name, Class<?> wanted) {
        int index = indexOf(name);
        Class<?> element = layout.elementType(index);
        if (element != wanted) {
            throw wrongType(name, element, wanted.getName());
        }
        Buffer column = columns[index];
        // a duplicate: its position and limit are the caller's to move
        return column.duplicate();
    }

    private int indexOf(String name) {
        int index = layout.indexOf(name);
        if (index < 0) {
            throw new IllegalArgumentException("no column '" + name + "' in " + type.getName() + "; its columns are "
                + layout.names());
        }
        return index;
    }

    private IllegalArgumentException wrongType(String name, Class<?> element, String wanted) {
        return new IllegalArgumentException("column '" + name + "' of " + type.getName() + " holds " + element.getName()
            + ", not " + wanted);
    }

    /**
     * Lets go of the table's shared memory at once (see {@link NativeShm#release}); afterwards
     * its columns, here and in any task still holding them, read zeros.
     */
    public void release() {
        ColumnLayout.release(columns);
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        if (type == null || columns == null || size < 0) {
            throw new InvalidObjectException("incomplete record table");
        }
        layout = ColumnLayout.check(type, signature);
        if (columns.length != layout.names().size()) {
            throw new InvalidObjectException("a table of " + type.getName() + " needs " + layout.names().size()
                + " columns, " + columns.length + " came");
        }
        for (int i = 0; i < columns.length; i++) {
            if (columns[i] == null || columns[i].capacity() < size) {
                throw new InvalidObjectException("column " + layout.names().get(i) + " of a table of " + size
                    + " rows came with " + (columns[i] == null ? "no buffer" : columns[i].capacity() + " elements"));
            }
        }
    }
}
