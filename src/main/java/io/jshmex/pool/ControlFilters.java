package io.jshmex.pool;

import io.jshmex.TaskStep;
import java.io.ObjectInputFilter;
import java.util.Set;

/**
 * Deserialization filters for the channel's own messages. A task or its result may be of any
 * class, but a failure report and a list of registrations have a known shape: anything else in
 * them is refused before it is built.
 */
final class ControlFilters {
    /** A {@link Failure}: the summary, and the exception's bytes (decoded apart, with the task's classes). */
    static final ObjectInputFilter FAILURE = only(Set.of(Failure.class, TaskStep.class, Enum.class,
        StackTraceElement.class, String.class, sharedRefClass()));
    /** The array-wrapper registrations: {class name, field name} pairs, as a {@code String[][]}. */
    static final ObjectInputFilter REGISTRY = only(Set.of(String.class));

    private ControlFilters() {
    }

    private static Class<?> sharedRefClass() {
        try {
            // a large exception payload may travel through shared memory like any byte[]
            return Class.forName("io.jshmex.transfer.SharedRef");
        } catch (ClassNotFoundException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static ObjectInputFilter only(Set<Class<?>> allowed) {
        return info -> {
            Class<?> type = info.serialClass();
            if (type == null) {
                return info.depth() > 20 ? ObjectInputFilter.Status.REJECTED : ObjectInputFilter.Status.UNDECIDED;
            }
            while (type.isArray()) {
                type = type.getComponentType();
            }
            return type.isPrimitive() || allowed.contains(type) ? ObjectInputFilter.Status.ALLOWED
                : ObjectInputFilter.Status.REJECTED;
        };
    }
}
