package io.jshmex;

/**
 * A task or its result could not be moved between the parent and a worker: not serializable,
 * a class missing on one side, no room in {@code /dev/shm}. Arrives as the cause of an
 * {@link java.util.concurrent.ExecutionException}; {@link #step()} says where it failed.
 */
public class TaskTransferException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final TaskStep step;

    /**
     * @param step where it failed
     * @param message what failed
     * @param cause the underlying failure, or null
     */
    public TaskTransferException(TaskStep step, String message, Throwable cause) {
        super(step.description() + " failed: " + message, cause);
        this.step = step;
    }

    /** Where it failed. */
    public TaskStep step() {
        return step;
    }
}
