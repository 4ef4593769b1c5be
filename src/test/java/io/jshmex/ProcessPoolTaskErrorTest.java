package io.jshmex;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.testing.LeakCheckedTest;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A task's failure comes back as the cause of ExecutionException, and the worker carries on. */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessPoolTaskErrorTest extends LeakCheckedTest {

    /** Cannot be serialized: the thread field is neither transient nor Serializable. */
    static final class ThreadHoldingException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final Thread owner = Thread.currentThread();

        ThreadHoldingException(String message) {
            super(message);
        }
    }

    static int explode() {
        throw new IllegalStateException("boom");
    }

    static int explodeUnserializably() {
        throw new ThreadHoldingException("held a thread");
    }

    private static boolean hasFrame(Throwable error, String className, String methodPrefix) {
        return Arrays.stream(error.getStackTrace())
            .anyMatch(frame -> frame.getClassName().equals(className) && frame.getMethodName().startsWith(methodPrefix));
    }

    @Test
    void shouldRethrowTheTasksExceptionWithTheWorkersStackTrace() throws Exception {
        try (var pool = new ProcessPoolExecutor(1)) {
            Future<Integer> future = pool.submit(() -> explode());

            ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(30, SECONDS));

            IllegalStateException cause = assertInstanceOf(IllegalStateException.class, e.getCause());
            assertEquals("boom", cause.getMessage());
            String here = ProcessPoolTaskErrorTest.class.getName();
            assertTrue(hasFrame(cause, here, "explode"), Arrays.toString(cause.getStackTrace()));
            assertTrue(hasFrame(cause, here, "lambda$"), Arrays.toString(cause.getStackTrace()));
            assertTrue(hasFrame(cause, "io.jshmex.pool.WorkerMain", ""),
                "not the worker's stack: " + Arrays.toString(cause.getStackTrace()));
            assertEquals("still usable", pool.submit(() -> "still usable").get(30, SECONDS));
        }
    }

    @Test
    void shouldReportAnExceptionThatCannotBeSerializedAsRemoteTaskException() throws Exception {
        try (var pool = new ProcessPoolExecutor(1)) {
            Future<Integer> future = pool.submit(() -> explodeUnserializably());

            ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(30, SECONDS));

            RemoteTaskException cause = assertInstanceOf(RemoteTaskException.class, e.getCause());
            assertEquals(ThreadHoldingException.class.getName(), cause.remoteClassName());
            assertEquals(TaskStep.RUN, cause.step());
            assertTrue(cause.getMessage().contains("held a thread"), cause.getMessage());
            assertTrue(hasFrame(cause, ProcessPoolTaskErrorTest.class.getName(), "explodeUnserializably"),
                Arrays.toString(cause.getStackTrace()));
            assertEquals("still usable", pool.submit(() -> "still usable").get(30, SECONDS));
        }
    }

    @Test
    void shouldFailWithTaskTransferExceptionWhenTheResultCannotBeSerialized() throws Exception {
        try (var pool = new ProcessPoolExecutor(1)) {
            Future<Object> future = pool.submit(() -> new Object());

            ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(30, SECONDS));

            TaskTransferException cause = assertInstanceOf(TaskTransferException.class, e.getCause());
            assertEquals(TaskStep.SEND_RESULT, cause.step());
            assertTrue(cause.getMessage().contains("java.lang.Object"), cause.getMessage());
            assertEquals("still usable", pool.submit(() -> "still usable").get(30, SECONDS));
        }
    }
}
