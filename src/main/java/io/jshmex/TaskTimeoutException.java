package io.jshmex;

import java.time.Duration;

/**
 * A task ran longer than its timeout; its worker was killed (and is replaced for the tasks that
 * follow). Arrives as the cause of an {@link java.util.concurrent.ExecutionException}.
 */
public final class TaskTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Duration timeout;

    /**
     * @param timeout the limit that was passed
     * @param pid the worker that was killed
     */
    public TaskTimeoutException(Duration timeout, long pid) {
        super("task did not finish within " + timeout.toMillis() + " ms; its worker process " + pid + " was killed");
        this.timeout = timeout;
    }

    /** The limit that was passed. */
    public Duration timeout() {
        return timeout;
    }
}
