package io.jshmex;

import io.jshmex.transfer.WrapperRegistry;

/**
 * Objects that wrap a big array (npshmex's {@code register_array_wrapper}): after
 * {@code register(Wrapper.class, "data")}, the {@code data} field of every {@code Wrapper} (and
 * subclass) instance that a task takes or returns travels through shared memory whatever its
 * size, and the rest of the object by serialization. The caller's object is never changed.
 * Registrations made after a pool started reach its workers with their next task.
 *
 * <p>A class with a custom {@code writeObject} works as long as it writes the array object itself
 * ({@code defaultWriteObject()} or {@code writeObject(data)}); one that writes the elements one by
 * one still works, by plain serialization. Arrays of records need no registration: they travel
 * packed when they are large enough.
 */
public final class ArrayWrappers {
    private ArrayWrappers() {
    }

    /**
     * Registers the field {@code fieldName} of {@code type}.
     *
     * @throws IllegalArgumentException at once if the type is not Serializable, has no such field
     *     (in it or its superclasses), or the field is static, not a primitive array or buffer, a
     *     record component, or not accessible (a module that does not open its package)
     */
    public static void register(Class<?> type, String fieldName) {
        WrapperRegistry.register(type, fieldName);
    }
}
