package io.jshmex.transfer;

import java.io.Serializable;
import java.lang.reflect.Field;
import java.lang.reflect.InaccessibleObjectException;
import java.lang.reflect.Modifier;
import java.nio.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Registered array wrappers: for each registered class, the field whose array or buffer always
 * travels through shared memory, whatever its size. The encoder reads the field (it never writes
 * it: the caller's object is not changed) and marks its value; the rest of the object is
 * serialized as usual.
 */
public final class WrapperRegistry {
    private static final Map<Class<?>, List<Field>> REGISTERED = new ConcurrentHashMap<>();
    private static final AtomicInteger VERSION = new AtomicInteger();
    private static volatile ClassValue<Field[]> fieldsByClass = newCache();

    private WrapperRegistry() {
    }

    /**
     * Registers {@code type.fieldName}.
     *
     * @throws IllegalArgumentException if the field does not exist, is static, is not a primitive
     *     array or a buffer, is final in a record, cannot be made accessible, or if the type is not
     *     Serializable
     */
    public static void register(Class<?> type, String fieldName) {
        Field field = check(type, fieldName);
        REGISTERED.compute(type, (t, fields) -> {
            List<Field> updated = fields == null ? new ArrayList<>() : new ArrayList<>(fields);
            if (!updated.contains(field)) {
                updated.add(field);
            }
            return List.copyOf(updated);
        });
        fieldsByClass = newCache();
        VERSION.incrementAndGet();
    }

    private static Field check(Class<?> type, String fieldName) {
        if (type == null || fieldName == null) {
            throw new IllegalArgumentException("type and field name are required");
        }
        if (!Serializable.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException(type.getName() + " is not Serializable: the rest of a wrapper travels "
                + "by serialization, so its class must implement java.io.Serializable");
        }
        Field field = null;
        for (Class<?> c = type; c != null && field == null; c = c.getSuperclass()) {
            try {
                field = c.getDeclaredField(fieldName);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            }
        }
        if (field == null) {
            throw new IllegalArgumentException(type.getName() + " has no field named '" + fieldName + "'");
        }
        String where = type.getName() + "." + fieldName;
        if (Modifier.isStatic(field.getModifiers())) {
            throw new IllegalArgumentException(where + " is static: register an instance field");
        }
        Class<?> fieldType = field.getType();
        boolean primitiveArray = fieldType.isArray() && fieldType.getComponentType().isPrimitive();
        if (!primitiveArray && !Buffer.class.isAssignableFrom(fieldType)) {
            throw new IllegalArgumentException(where + " is of type " + fieldType.getName()
                + ": only a primitive array or a java.nio buffer field can be registered");
        }
        if (Modifier.isFinal(field.getModifiers()) && field.getDeclaringClass().isRecord()) {
            throw new IllegalArgumentException(where + " is a record component: records are rebuilt through their "
                + "constructor, so arrays of records travel packed instead (no registration needed)");
        }
        try {
            field.setAccessible(true);
        } catch (InaccessibleObjectException e) {
            throw new IllegalArgumentException(where + " cannot be read: its module does not open "
                + type.getPackageName() + " to jshmex (" + e.getMessage() + ")", e);
        }
        return field;
    }

    /** The registered fields of {@code type} and its superclasses (empty if none). */
    static Field[] fieldsOf(Class<?> type) {
        return REGISTERED.isEmpty() ? NO_FIELDS : fieldsByClass.get(type);
    }

    private static final Field[] NO_FIELDS = new Field[0];

    private static ClassValue<Field[]> newCache() {
        return new ClassValue<>() {
            @Override
            protected Field[] computeValue(Class<?> type) {
                List<Field> fields = new ArrayList<>();
                for (Class<?> c = type; c != null; c = c.getSuperclass()) {
                    fields.addAll(REGISTERED.getOrDefault(c, List.of()));
                }
                return fields.toArray(NO_FIELDS);
            }
        };
    }

    /** Changes whenever a registration is added: tells a pool its workers need the new list. */
    public static int version() {
        return VERSION.get();
    }

    /** Every registration as {class name, field name} pairs, to send to a worker. */
    public static List<String[]> snapshot() {
        List<String[]> pairs = new ArrayList<>();
        REGISTERED.forEach((type, fields) -> fields.forEach(f -> pairs.add(new String[] {type.getName(), f.getName()})));
        return pairs;
    }

    /** Applies a snapshot received from the parent; classes are loaded by {@code loader}. */
    public static void apply(List<String[]> pairs, ClassLoader loader) throws ClassNotFoundException {
        for (String[] pair : pairs) {
            register(Class.forName(pair[0], false, loader), pair[1]);
        }
    }
}
