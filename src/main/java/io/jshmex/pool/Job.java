package io.jshmex.pool;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;

/** What a worker runs: the user's task in one of its forms. */
public interface Job extends Serializable {
    Object run() throws Exception;

    static Job of(Callable<?> task) {
        return new CallJob(task);
    }

    static Job of(Runnable task) {
        return new RunJob(task);
    }

    static Job of(Function<Object, Object> fn, Object arg) {
        return new ApplyJob(fn, arg);
    }

    static Job ofChunk(Function<Object, Object> fn, List<?> args) {
        return new MapJob(fn, args);
    }

    /** The user's object, for messages ("task ... is not Serializable"). */
    Object task();

    /** A {@code Callable}. */
    record CallJob(Callable<?> task) implements Job {
        @Override
        public Object run() throws Exception {
            return task.call();
        }
    }

    /** A {@code Runnable}: its result is null. */
    record RunJob(Runnable task) implements Job {
        @Override
        public Object run() {
            task.run();
            return null;
        }
    }

    /** A function applied to one argument. */
    record ApplyJob(Function<Object, Object> task, Object arg) implements Job {
        @Override
        public Object run() {
            return task.apply(arg);
        }
    }

    /** A function applied to a chunk of {@code map}'s arguments, in order. */
    record MapJob(Function<Object, Object> task, List<?> args) implements Job {
        @Override
        public Object run() {
            List<Object> results = new ArrayList<>(args.size());
            for (Object arg : args) {
                results.add(task.apply(arg));
            }
            return results;
        }
    }
}
