package io.jshmex;

/** The step of a task's trip through a worker process at which something failed. */
public enum TaskStep {
    /** Encoding the task and copying its arrays into shared memory, in the parent. */
    SEND_TASK("sending the task to the worker"),
    /** Decoding the task in the worker (a class missing there, say). */
    RECEIVE_TASK("receiving the task in the worker"),
    /** Running the task. */
    RUN("running the task"),
    /** Encoding the result in the worker (a result that is not Serializable, say). */
    SEND_RESULT("returning the result from the worker"),
    /** Decoding the result in the parent. */
    RECEIVE_RESULT("receiving the result in the parent");

    private final String description;

    TaskStep(String description) {
        this.description = description;
    }

    /** The step in words, for messages: "returning the result from the worker". */
    public String description() {
        return description;
    }
}
