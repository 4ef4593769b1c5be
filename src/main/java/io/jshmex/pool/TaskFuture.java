package io.jshmex.pool;

import io.jshmex.transfer.Payload;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RunnableFuture;

/**
 * The future of a task sent to a worker: a {@link CompletableFuture}, so it composes
 * ({@code thenApply}, {@code allOf}, ...). Dependent stages that are not {@code *Async} run on the
 * pool's thread that received the result. {@code cancel(true)} on a running task kills its worker
 * (the pool replaces it); {@code cancel(false)} lets it run and discards its result.
 *
 * @param <T> the result type
 */
public final class TaskFuture<T> extends CompletableFuture<T> implements RunnableFuture<T> {
    final long id;
    /** What goes to the worker; dropped once the task is done, so futures kept around hold no arrays. */
    volatile Payload payload;
    final long timeoutNanos;
    private final PoolCore pool;
    private final String description;
    volatile Slot runningOn;

    TaskFuture(PoolCore pool, long id, Payload payload, long timeoutNanos, String description) {
        this.pool = pool;
        this.id = id;
        this.payload = payload;
        this.timeoutNanos = timeoutNanos;
        this.description = description;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            pool.cancelled(this, mayInterruptIfRunning);
        }
        return cancelled;
    }

    /** Does nothing: the task runs in a worker process once the pool takes it. */
    @Override
    public void run() {
        // the pool runs it; a RunnableFuture must have run() for invokeAll's sake
    }

    @Override
    public String toString() {
        return "task #" + id + " (" + description + ")";
    }
}
