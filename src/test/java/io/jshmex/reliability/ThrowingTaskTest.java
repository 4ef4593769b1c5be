package io.jshmex.reliability;

import io.jshmex.NativeShm;
import io.jshmex.ProcessPoolExecutor;
import io.jshmex.RemoteTaskException;
import io.jshmex.SerializableCallable;
import io.jshmex.SerializableFunction;
import io.jshmex.WorkerDiedException;
import io.jshmex.testing.LeakCheckedTest;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.nio.DoubleBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tasks that throw, of every kind a task can throw: each must come back as the cause of the
 * ExecutionException, as the same class with the same message and fields (or as a
 * RemoteTaskException naming it when it cannot be rebuilt), the worker must survive it, and the
 * shared memory the task, its argument or its exception used must go back.
 */
@ExtendWith(Report.class)
class ThrowingTaskTest extends LeakCheckedTest {
    private static final int KINDS = 12;
    private static final int MB_DOUBLES = 131072;

    @Test
    void throwingTasksComeBackAsTheirExceptionAndLeaveNothing() throws Exception {
        Tally.run(Fault.THROWING_TASKS, this::inject);
    }

    private void inject(Tally tally) throws Exception {
        int cases = Scale.of(200, 1000);
        try (PoolGuard guard = new PoolGuard(ProcessPoolExecutor.builder().maxWorkers(2).build(), tally)) {
            ProcessPoolExecutor pool = guard.pool;
            pool.prestartAllWorkers();
            Aftermath after = new Aftermath(tally);
            for (int i = 0; i < cases; i++) {
                int kind = i % KINDS;
                String label = "case " + i + " (kind " + kind + ")";
                Throwable cause = run(pool, kind, i);
                String wrong = cause == null ? "the task did not throw" : verdict(kind, i, cause);
                if (cause instanceof WorkerDiedException && Causes.isCrash((WorkerDiedException) cause)) {
                    tally.crash(label + ": " + Causes.chain(cause));
                } else if (wrong != null) {
                    tally.fail(label + ": " + wrong);
                }
                after.check(label, pool, 2);
                tally.addCase();
            }
        }
        new Aftermath(tally).settle("after close", 0, java.util.Set.of());
    }

    private static Throwable run(ProcessPoolExecutor pool, int kind, int i) throws Exception {
        Future<?> f = null;
        try {
            if (kind == 7) {
                double[] big = new double[MB_DOUBLES];
                Arrays.fill(big, i);
                f = pool.submit((SerializableFunction<double[], Object>) ThrowingTaskTest::throwWithArgument, big);
            } else {
                f = pool.submit((SerializableCallable<Object>) () -> throwing(kind, i));
            }
            f.get(60, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (IllegalStateException hostile) {
            // the exception came back whole: its getMessage() throws in this JVM too, from inside
            // ExecutionException's constructor, exactly as with a thread pool
            if (kind == 9 && String.valueOf(hostile.getMessage()).contains("hostile")) {
                return hostile;
            }
            throw hostile;
        } catch (TimeoutException e) {
            // a lost reply: free the pool (cancel kills the worker) and report it
            f.cancel(true);
            return new TimeoutException("neither a result nor an exception came back within 60 s");
        }
    }

    /** What is wrong with the cause that came back, or null if it is what the task threw. */
    private static String verdict(int kind, int i, Throwable cause) {
        switch (kind) {
            case 0:
                return same(cause, IllegalStateException.class, "boom " + i);
            case 1:
                return same(cause, IOException.class, "io " + i);
            case 2: {
                String wrong = same(cause, CustomException.class, "custom " + i);
                return wrong != null ? wrong : ((CustomException) cause).code == i ? null : "field code lost";
            }
            case 3: {
                String wrong = same(cause, PayloadException.class, "payload " + i);
                if (wrong != null) {
                    return wrong;
                }
                double[] payload = ((PayloadException) cause).payload;
                double[] expected = new double[MB_DOUBLES];
                Arrays.fill(expected, i);
                return Arrays.equals(payload, expected) ? null : "the exception's 1 MB array came back different";
            }
            case 4:
                return cause instanceof StackOverflowError ? null : "expected StackOverflowError, got " + Causes.chain(cause);
            case 5:
                return same(cause, AssertionError.class, "assert " + i);
            case 6:
                return same(cause, IllegalArgumentException.class, "after allocating " + i);
            case 7:
                return same(cause, UnsupportedOperationException.class, "argument of " + MB_DOUBLES);
            case 8:
            case 10:
                if (cause instanceof RemoteTaskException) {
                    RemoteTaskException remote = (RemoteTaskException) cause;
                    Class<?> thrown = kind == 8 ? UnserializableException.class : UnreadableException.class;
                    return remote.remoteClassName().equals(thrown.getName()) && remote.getMessage().contains("odd " + i)
                        ? null : "RemoteTaskException lost the class or message: " + remote.getMessage();
                }
                return "expected a RemoteTaskException, got " + Causes.chain(cause);
            case 9:
                // its message cannot be read; anything that says which class was thrown will do,
                // but not the death of the worker
                return cause instanceof WorkerDiedException
                    ? "an exception whose getMessage() throws killed the worker: " + Causes.chain(cause) : null;
            case 11: {
                String wrong = same(cause, IllegalStateException.class, null);
                return wrong != null ? wrong : cause.getMessage().length() == 1 << 20 ? null
                    : "the 1 MB message came back with " + cause.getMessage().length() + " characters";
            }
            default:
                throw new IllegalArgumentException("kind " + kind);
        }
    }

    private static String same(Throwable cause, Class<? extends Throwable> type, String message) {
        if (cause.getClass() != type) {
            return "expected " + type.getName() + ", got " + Causes.chain(cause);
        }
        if (message != null && !Objects.equals(message, cause.getMessage())) {
            return "message changed: '" + cause.getMessage() + "'";
        }
        if (cause.getStackTrace().length == 0) {
            return "the worker's stack trace was lost";
        }
        return null;
    }

    // ---- what runs in the worker ----

    static Object throwing(int kind, int i) throws Exception {
        switch (kind) {
            case 0:
                throw new IllegalStateException("boom " + i);
            case 1:
                throw new IOException("io " + i);
            case 2:
                throw new CustomException("custom " + i, i);
            case 3: {
                double[] payload = new double[MB_DOUBLES];
                Arrays.fill(payload, i);
                throw new PayloadException("payload " + i, payload);
            }
            case 4:
                return recurse(0);
            case 5:
                throw new AssertionError("assert " + i);
            case 6: {
                // shared memory the task took from its worker's blocks, then dropped by throwing
                DoubleBuffer scratch = NativeShm.doubles(200_000);
                scratch.put(0, i);
                throw new IllegalArgumentException("after allocating " + (int) scratch.get(0));
            }
            case 8:
                throw new UnserializableException("odd " + i);
            case 9:
                throw new HostileMessageException();
            case 10:
                throw new UnreadableException("odd " + i);
            case 11: {
                char[] message = new char[1 << 20];
                Arrays.fill(message, 'm');
                throw new IllegalStateException(new String(message));
            }
            default:
                throw new IllegalArgumentException("kind " + kind);
        }
    }

    static Object throwWithArgument(double[] argument) {
        throw new UnsupportedOperationException("argument of " + argument.length);
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }

    static final class CustomException extends Exception {
        private static final long serialVersionUID = 1L;
        final int code;

        CustomException(String message, int code) {
            super(message);
            this.code = code;
        }
    }

    static final class PayloadException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final double[] payload;

        PayloadException(String message, double[] payload) {
            super(message);
            this.payload = payload;
        }
    }

    /** Holds something that cannot be serialized. */
    static final class UnserializableException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        @SuppressWarnings("unused")
        private final Object lock = new Object();

        UnserializableException(String message) {
            super(message);
        }
    }

    /** Serializes fine, but refuses to be rebuilt. */
    static final class UnreadableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnreadableException(String message) {
            super(message);
        }

        private void readObject(ObjectInputStream in) throws IOException {
            throw new InvalidObjectException("refuses to be rebuilt");
        }
    }

    /** A buggy exception: reading its message throws. */
    static final class HostileMessageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        @Override
        public String getMessage() {
            throw new IllegalStateException("getMessage() of a hostile exception");
        }
    }
}
