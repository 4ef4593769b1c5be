package io.jshmex.transfer;

import java.io.InvalidClassException;
import java.io.Serializable;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * How an array of records whose components are primitives (or nested such records) is packed
 * into shared memory: one row per element, a presence byte (null elements are kept) and then
 * every primitive leaf in component order, native byte order. This is the "dtype" that travels
 * with the rows, as numpy's structured arrays carry theirs: the receiver checks it against its
 * own class and refuses to misread rows of a different version of the record.
 */
final class RecordLayout implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final ClassValue<RecordLayout> LAYOUTS = new ClassValue<>() {
        @Override
        protected RecordLayout computeValue(Class<?> type) {
            return build(type);
        }
    };

    final String className;
    /** Canonical description, e.g. {@code Hit(time:double,channel:long,area:float,flags:int)}. */
    final String signature;
    final int rowBytes;

    private transient Class<?> type;
    private transient Leaf[] leaves;
    private transient Node root;
    /** {@code (Object row, ByteBuffer window, int base) void}: writes every leaf of a row. */
    private transient MethodHandle packer;
    /** {@code (ByteBuffer window, int base) Object}: builds a row's record. */
    private transient MethodHandle unpacker;

    private RecordLayout(Class<?> type, Node root, Leaf[] leaves, String signature, int rowBytes)
        throws ReflectiveOperationException {
        this.className = type.getName();
        this.type = type;
        this.root = root;
        this.leaves = leaves;
        this.signature = signature;
        this.rowBytes = rowBytes;
        this.packer = packer(leaves);
        this.unpacker = unpacker(root);
    }

    // One method handle per row instead of one call per field: the JIT compiles it into straight
    // code, with no boxing, which is what makes a million records cheap.
    private static final MethodHandles.Lookup NIO = MethodHandles.publicLookup();

    private static MethodHandle packer(Leaf[] leaves) throws ReflectiveOperationException {
        return writer(leaves, ByteBuffer.class, RecordLayout::rowPut);
    }

    private static MethodHandle unpacker(Node node) throws ReflectiveOperationException {
        return reader(node, ByteBuffer.class, RecordLayout::rowGet);
    }

    /** {@code (ByteBuffer rows, int base, T value) void}: a leaf's value into the row at {@code base}. */
    private static MethodHandle rowPut(Leaf leaf) throws ReflectiveOperationException {
        MethodHandle put = NIO.findVirtual(ByteBuffer.class, putName(leaf.kind),
            MethodType.methodType(ByteBuffer.class, int.class, wire(leaf))).asType(
            MethodType.methodType(void.class, ByteBuffer.class, int.class, wire(leaf)));
        return MethodHandles.filterArguments(put, 1, plus(leaf.offset));
    }

    /** {@code (ByteBuffer rows, int base) T}: a leaf's value from the row at {@code base}. */
    private static MethodHandle rowGet(Leaf leaf) throws ReflectiveOperationException {
        MethodHandle get = NIO.findVirtual(ByteBuffer.class, getName(leaf.kind), MethodType.methodType(wire(leaf), int.class));
        return MethodHandles.filterArguments(get, 1, plus(leaf.offset));
    }

    /** How one leaf is read from or written to a source: the rows of a buffer, or columns. */
    @FunctionalInterface
    interface LeafAccess {
        MethodHandle of(Leaf leaf) throws ReflectiveOperationException;
    }

    /** How a boolean is stored: as a byte, 0 or 1; every other leaf as itself. */
    static Class<?> wire(Leaf leaf) {
        return leaf.kind == ValueKind.BOOLEAN ? byte.class : leaf.getter.type().returnType();
    }

    /**
     * {@code (Object record, S source, int at) void}: writes every leaf of a record, each through
     * {@code access}'s {@code (S, int, wire) void}.
     */
    static MethodHandle writer(Leaf[] leaves, Class<?> source, LeafAccess access) throws ReflectiveOperationException {
        MethodHandle chain = MethodHandles.empty(MethodType.methodType(void.class, Object.class, source, int.class));
        for (int i = leaves.length - 1; i >= 0; i--) {
            Leaf leaf = leaves[i];
            MethodHandle getter = leaf.kind == ValueKind.BOOLEAN
                ? MethodHandles.filterReturnValue(leaf.getter, BOOLEAN_TO_BYTE) : leaf.getter;
            MethodHandle put = MethodHandles.filterArguments(access.of(leaf), 2, getter);
            // (S, int, Object) -> (Object, S, int)
            put = MethodHandles.permuteArguments(put, MethodType.methodType(void.class, Object.class, source, int.class),
                1, 2, 0);
            chain = MethodHandles.foldArguments(chain, put);
        }
        return chain;
    }

    /**
     * {@code (S source, int at) Object}: builds a record from its leaves, each read through
     * {@code access}'s {@code (S, int) wire}.
     */
    static MethodHandle reader(Node node, Class<?> source, LeafAccess access) throws ReflectiveOperationException {
        MethodHandle constructor = node.rawConstructor;
        MethodHandle[] readers = new MethodHandle[node.children.length];
        for (int i = 0; i < readers.length; i++) {
            Object child = node.children[i];
            Class<?> target = constructor.type().parameterType(i);
            if (child instanceof Node) {
                readers[i] = reader((Node) child, source, access).asType(MethodType.methodType(target, source, int.class));
            } else {
                Leaf leaf = (Leaf) child;
                MethodHandle get = access.of(leaf);
                if (leaf.kind == ValueKind.BOOLEAN) {
                    get = MethodHandles.filterReturnValue(get, BYTE_TO_BOOLEAN);
                }
                readers[i] = get;
            }
        }
        MethodHandle spread = constructor;
        for (int i = readers.length - 1; i >= 0; i--) {
            spread = MethodHandles.collectArguments(spread, i, readers[i]);
        }
        int[] order = new int[readers.length * 2];
        for (int i = 0; i < readers.length; i++) {
            order[2 * i] = 0;
            order[2 * i + 1] = 1;
        }
        return MethodHandles.permuteArguments(spread.asType(spread.type().changeReturnType(Object.class)),
            MethodType.methodType(Object.class, source, int.class), order);
    }

    private static final MethodHandle ADD;
    private static final MethodHandle BOOLEAN_TO_BYTE;
    private static final MethodHandle BYTE_TO_BOOLEAN;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            ADD = lookup.findStatic(RecordLayout.class, "add", MethodType.methodType(int.class, int.class, int.class));
            BOOLEAN_TO_BYTE = lookup.findStatic(RecordLayout.class, "toByte", MethodType.methodType(byte.class, boolean.class));
            BYTE_TO_BOOLEAN = lookup.findStatic(RecordLayout.class, "toBoolean", MethodType.methodType(boolean.class, byte.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static int add(int a, int b) {
        return a + b;
    }

    private static byte toByte(boolean value) {
        return value ? (byte) 1 : (byte) 0;
    }

    private static boolean toBoolean(byte value) {
        return value != 0;
    }

    private static MethodHandle plus(int offset) {
        return MethodHandles.insertArguments(ADD, 1, offset);
    }

    private static String putName(ValueKind kind) {
        switch (kind) {
            case DOUBLE: return "putDouble";
            case LONG: return "putLong";
            case FLOAT: return "putFloat";
            case INT: return "putInt";
            case SHORT: return "putShort";
            case CHAR: return "putChar";
            default: return "put";
        }
    }

    private static String getName(ValueKind kind) {
        return kind == ValueKind.BYTE || kind == ValueKind.BOOLEAN ? "get" : "get" + putName(kind).substring(3);
    }

    /** One primitive value of a row: its path, where it lies, and how to read it from the top record. */
    static final class Leaf {
        /** Component names from the top record down, dotted: {@code time}, {@code position.x}. */
        final String name;
        final ValueKind kind;
        final int offset;
        final MethodHandle getter;

        Leaf(String name, ValueKind kind, int offset, MethodHandle getter) {
            this.name = name;
            this.kind = kind;
            this.offset = offset;
            this.getter = getter;
        }
    }

    /** A record in the tree: its canonical constructor and its children (leaves or records). */
    static final class Node {
        final MethodHandle rawConstructor;
        final Object[] children;

        Node(MethodHandle rawConstructor, Object[] children) {
            this.rawConstructor = rawConstructor;
            this.children = children;
        }
    }

    /** The layout of {@code componentType}, or null if its arrays cannot be packed. */
    static RecordLayout of(Class<?> componentType) {
        return componentType.isRecord() ? LAYOUTS.get(componentType) : null;
    }

    private static RecordLayout build(Class<?> type) {
        try {
            List<Leaf> leaves = new ArrayList<>();
            StringBuilder signature = new StringBuilder();
            int[] offset = {1};
            Node root = node(type, "", MethodHandles.identity(Object.class), leaves, signature, offset, 0);
            return root == null ? null : new RecordLayout(type, root, leaves.toArray(new Leaf[0]), signature.toString(), offset[0]);
        } catch (ReflectiveOperationException | RuntimeException notPackable) {
            return null;
        }
    }

    private static Node node(Class<?> type, String prefix, MethodHandle path, List<Leaf> leaves, StringBuilder signature,
                             int[] offset, int depth) throws ReflectiveOperationException {
        if (depth > 8) {
            return null;
        }
        MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(type, MethodHandles.lookup());
        RecordComponent[] components = type.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        Object[] children = new Object[components.length];
        signature.append(type.getName()).append('(');
        for (int i = 0; i < components.length; i++) {
            RecordComponent component = components[i];
            types[i] = component.getType();
            MethodHandle accessor = lookup.unreflect(component.getAccessor());
            MethodHandle fromTop = MethodHandles.filterReturnValue(path,
                accessor.asType(MethodType.methodType(component.getType(), Object.class)));
            signature.append(i == 0 ? "" : ",").append(component.getName()).append(':');
            if (component.getType().isPrimitive()) {
                ValueKind kind = ValueKind.ofArray(Array.newInstance(component.getType(), 0));
                Leaf leaf = new Leaf(prefix + component.getName(), kind, offset[0],
                    fromTop.asType(MethodType.methodType(component.getType(), Object.class)));
                leaves.add(leaf);
                children[i] = leaf;
                offset[0] += kind.size;
                signature.append(component.getType().getName());
            } else if (component.getType().isRecord()) {
                Node child = node(component.getType(), prefix + component.getName() + '.',
                    fromTop.asType(MethodType.methodType(Object.class, Object.class)), leaves, signature, offset, depth + 1);
                if (child == null) {
                    return null;
                }
                children[i] = child;
            } else {
                return null;
            }
        }
        signature.append(')');
        return new Node(lookup.findConstructor(type, MethodType.methodType(void.class, types)), children);
    }

    /** Whether every element's nested records are present (a null nested record cannot be packed). */
    boolean canPack(Object[] rows) {
        for (Object row : rows) {
            if (row != null && row.getClass() != type) {
                return false;
            }
        }
        if (leaves.length == 0 || !hasNestedRecords()) {
            return true;
        }
        for (Object row : rows) {
            if (row != null && !nestedPresent(root, row)) {
                return false;
            }
        }
        return true;
    }

    private boolean hasNestedRecords() {
        for (Object child : root.children) {
            if (child instanceof Node) {
                return true;
            }
        }
        return false;
    }

    private static boolean nestedPresent(Node node, Object record) {
        RecordComponent[] components = record.getClass().getRecordComponents();
        for (int i = 0; i < node.children.length; i++) {
            if (node.children[i] instanceof Node) {
                Object nested;
                try {
                    nested = components[i].getAccessor().invoke(record);
                } catch (ReflectiveOperationException e) {
                    return false;
                }
                if (nested == null || !nestedPresent((Node) node.children[i], nested)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Packs {@code rows[from, from + count)} into {@code window} (native order). */
    void pack(Object[] rows, int from, int count, ByteBuffer window) {
        try {
            for (int i = 0; i < count; i++) {
                Object row = rows[from + i];
                int base = i * rowBytes;
                if (row == null) {
                    window.put(base, (byte) 0);
                } else {
                    window.put(base, (byte) 1);
                    packer.invokeExact(row, window, base);
                }
            }
        } catch (Throwable t) {
            throw new IllegalStateException("cannot pack records of " + className + ": " + t, t);
        }
    }

    /** Unpacks {@code count} rows from {@code window} into {@code rows[from...]}. */
    void unpack(ByteBuffer window, Object[] rows, int from, int count) {
        try {
            for (int i = 0; i < count; i++) {
                int base = i * rowBytes;
                rows[from + i] = window.get(base) == 0 ? null : (Object) unpacker.invokeExact(window, base);
            }
        } catch (Throwable t) {
            throw new IllegalStateException("cannot rebuild records of " + className + ": " + t, t);
        }
    }

    /** The receiver's own layout of the same class, after checking it matches this one. */
    RecordLayout local(ClassLoader loader) throws InvalidClassException {
        Class<?> localType;
        try {
            localType = Class.forName(className, false, loader);
        } catch (ClassNotFoundException e) {
            throw new InvalidClassException(className, "record class not found on this side");
        }
        RecordLayout mine = of(localType);
        if (mine == null || !mine.signature.equals(signature) || mine.rowBytes != rowBytes) {
            throw new InvalidClassException(className, "the record class differs between sender and receiver "
                + "(another version on one class path): sender packed " + signature + ", receiver has "
                + (mine == null ? "a class that cannot be unpacked" : mine.signature));
        }
        return mine;
    }

    Leaf[] leaves() {
        return leaves.clone();
    }

    Node root() {
        return root;
    }

    Class<?> type() {
        return type;
    }

    Object[] newArray(int length) {
        return (Object[]) Array.newInstance(type, length);
    }
}
