package io.jshmex;

import java.io.Serializable;
import java.util.function.Function;

/**
 * A {@link Function} that can be sent to a worker process, with its argument. A lambda or method
 * reference ({@code Demo::addOne}) whose target type is this interface is serializable; what it
 * captures must be too.
 *
 * @param <A> the argument type
 * @param <R> the result type
 */
@FunctionalInterface
public interface SerializableFunction<A, R> extends Function<A, R>, Serializable {
}
