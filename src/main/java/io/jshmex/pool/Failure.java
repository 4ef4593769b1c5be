package io.jshmex.pool;

import io.jshmex.RemoteTaskException;
import io.jshmex.TaskStep;
import io.jshmex.transfer.ContextObjectInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;

/**
 * An exception on its way from a worker to the parent: the exception itself, serialized apart
 * (it may not deserialize in the parent), and a summary that always does.
 */
final class Failure implements Serializable {
    private static final long serialVersionUID = 1L;

    final TaskStep step;
    private final byte[] serialized;
    private final String className;
    private final String message;
    private final StackTraceElement[] stack;

    Failure(TaskStep step, Throwable error) {
        this.step = step;
        this.className = error.getClass().getName();
        this.message = messageOf(error);
        this.stack = stackOf(error);
        this.serialized = serialize(error);
    }

    // an exception is user code: its accessors may throw too, and must not take the worker down

    private static String messageOf(Throwable error) {
        try {
            return error.getMessage();
        } catch (RuntimeException | Error hostile) {
            return "(its getMessage() threw " + hostile.getClass().getName() + ")";
        }
    }

    private static StackTraceElement[] stackOf(Throwable error) {
        try {
            return error.getStackTrace();
        } catch (RuntimeException | Error hostile) {
            return new StackTraceElement[0];
        }
    }

    private static byte[] serialize(Throwable error) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(error);
            }
            return bytes.toByteArray();
        } catch (IOException | RuntimeException | Error notSerializable) {
            return null;
        }
    }

    /** The original exception if it can be rebuilt here, else a {@link RemoteTaskException}. */
    Throwable toThrowable() {
        if (serialized != null) {
            try (ObjectInputStream in = new ContextObjectInputStream(new ByteArrayInputStream(serialized))) {
                return (Throwable) in.readObject();
            } catch (IOException | ClassNotFoundException | RuntimeException unreadable) {
                // fall through to the summary
            }
        }
        return new RemoteTaskException(className, message, step, stack);
    }
}
