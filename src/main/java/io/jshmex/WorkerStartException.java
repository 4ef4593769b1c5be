package io.jshmex;

/**
 * A worker process could not be started, or its initializer failed. When the initializer
 * fails, the pool is broken (as in Python's {@code BrokenProcessPool}): queued tasks fail with
 * this exception and new ones are refused, since every new worker would fail the same way.
 */
public final class WorkerStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed and what to check
     * @param cause the underlying failure, or null
     */
    public WorkerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
