package io.jshmex;

import java.io.Serializable;

/**
 * A {@link Runnable} that can be sent to a worker process. A lambda or method reference whose
 * target type is this interface is serializable; what it captures must be too.
 */
@FunctionalInterface
public interface SerializableRunnable extends Runnable, Serializable {
}
