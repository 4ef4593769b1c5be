package io.jshmex;

/**
 * Stands for an exception thrown in a worker that cannot be rebuilt in the parent (its class is
 * missing here, or it is not serializable): it carries the original class name, message and
 * stack trace (as its own stack trace).
 */
public final class RemoteTaskException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String remoteClassName;
    private final TaskStep step;

    /**
     * @param remoteClassName the original exception's class
     * @param remoteMessage its message, or null
     * @param step where it was thrown
     * @param remoteStack its stack trace, in the worker
     */
    public RemoteTaskException(String remoteClassName, String remoteMessage, TaskStep step,
                               StackTraceElement[] remoteStack) {
        super(remoteClassName + (remoteMessage == null ? "" : ": " + remoteMessage) + " (while " + step.description()
            + ")");
        this.remoteClassName = remoteClassName;
        this.step = step;
        setStackTrace(remoteStack == null ? new StackTraceElement[0] : remoteStack);
    }

    /** The fully qualified class name of the exception thrown in the worker. */
    public String remoteClassName() {
        return remoteClassName;
    }

    /** Where it was thrown. */
    public TaskStep step() {
        return step;
    }
}
