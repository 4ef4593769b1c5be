package io.jshmex;

import io.jshmex.pool.Job;
import io.jshmex.pool.PoolCore;
import io.jshmex.pool.PoolSettings;
import io.jshmex.pool.TaskFuture;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * An {@link java.util.concurrent.ExecutorService} whose tasks run in child JVMs ("workers"), for
 * process isolation (a crashing or non-thread-safe native library, separate heaps and GC, memory
 * limits per worker) without paying serialization for big arrays: every primitive array of at
 * least {@link Builder#shmThresholdBytes} bytes, and every {@code java.nio} buffer, that a task
 * captures, takes or returns travels through POSIX shared memory, wherever it sits in the object
 * graph; only names and small descriptors cross the worker's channel.
 *
 * <pre>{@code
 * try (var pool = new ProcessPoolExecutor(4)) {
 *     Future<double[]> f = pool.submit(Demo::addOne, big);       // a function and its argument
 *     Future<Double> g = pool.submit(() -> sum(big));             // captured variables travel too
 *     List<Integer> r = pool.map(String::length, words).toList(); // in input order
 * }
 * }</pre>
 *
 * <h2>What arrives</h2>
 * Heap arrays keep value semantics: the receiver gets its own copy. Buffers at or above the
 * threshold arrive as direct buffers over the shared memory (no copy on receipt). Buffers made by
 * {@link NativeShm} (or views of a {@link ShmSegment}) go by name with no copy at all: the worker
 * sees, and writes, the caller's memory.
 *
 * <h2>Tasks</h2>
 * A task must be serializable, with what it captures: pass lambdas and method references where a
 * {@link SerializableCallable}, {@link SerializableRunnable} or {@link SerializableFunction} is
 * expected. Anything else is refused at once by {@code submit} with an
 * {@link IllegalArgumentException} naming the class that could not be serialized.
 *
 * <h2>Failures</h2>
 * {@link Future#get()} throws {@link ExecutionException} whose cause is:
 * <ul>
 *   <li>the task's own exception, same class and message, with the worker's stack trace (or a
 *       {@link RemoteTaskException} when that class cannot be rebuilt here);</li>
 *   <li>{@link TaskTransferException} when the task or its result could not be moved (the step
 *       says which);</li>
 *   <li>{@link WorkerDiedException} when the worker died (exit, crash, signal, out of memory): only
 *       its task fails and the pool starts a replacement;</li>
 *   <li>{@link TaskTimeoutException} past the task's timeout (the worker is killed and replaced);</li>
 *   <li>{@link WorkerStartException} when no worker could be started, or the initializer failed
 *       (the pool is then broken).</li>
 * </ul>
 * {@code cancel(true)} on a running task kills its worker (a replacement follows).
 *
 * <h2>Life cycle</h2>
 * Workers start on demand up to {@code maxWorkers} ({@link #prestartAllWorkers()} starts them at
 * once), are reused, and exit when idle past {@link Builder#idleTimeout}. They exit by themselves
 * within moments when the parent dies, however it dies. A new pool first removes segments left by
 * dead processes ({@link NativeShm#clearOrphans()}). {@link #close()} waits for the tasks, then
 * leaves no process and no segment behind.
 *
 * <p>Thread-safe. The returned futures are {@link CompletableFuture}s; stages that depend on them
 * without {@code *Async} run on the pool's thread that received the result.
 */
public final class ProcessPoolExecutor extends AbstractExecutorService implements AutoCloseable {
    /**
     * The default shared-memory threshold: arrays smaller than this go inline. Measured with warm
     * pools, shared memory and inline are even at 2-4 KiB, and shared memory is faster from 16 KiB
     * on (three times at 32 KiB); the arrays of one message share one block, so many of them cost
     * one segment, not one each.
     */
    public static final long DEFAULT_SHM_THRESHOLD_BYTES = 16 * 1024;
    /** The default time a waiting thread polls before it blocks ({@link Builder#busyPoll}). */
    public static final Duration DEFAULT_BUSY_POLL = Duration.ofNanos(50_000);

    private final PoolCore core;
    private final PoolSettings settings;

    /** A pool of {@link Runtime#availableProcessors()} workers, with default settings. */
    public ProcessPoolExecutor() {
        this(builder());
    }

    /**
     * A pool of {@code maxWorkers} workers, with default settings.
     *
     * @throws IllegalArgumentException if {@code maxWorkers < 1}
     */
    public ProcessPoolExecutor(int maxWorkers) {
        this(builder().maxWorkers(maxWorkers));
    }

    private ProcessPoolExecutor(Builder builder) {
        this.settings = new PoolSettings(builder.maxWorkers, List.copyOf(builder.jvmArgs), builder.initializer,
            builder.maxTasksPerWorker, builder.idleTimeout, builder.taskTimeout, builder.shmThresholdBytes,
            builder.mapChunkSize, builder.trimAfter, builder.startTimeout, builder.busyPoll);
        this.core = new PoolCore(settings);
    }

    /** A builder for every setting. */
    public static Builder builder() {
        return new Builder();
    }

    /** The settings this pool was built with. */
    public PoolSettings settings() {
        return settings;
    }

    // ---- submitting -----------------------------------------------------------------------

    /**
     * Runs {@code task} in a worker.
     *
     * @throws IllegalArgumentException if the task, or what it captures, is not serializable
     * @throws java.util.concurrent.RejectedExecutionException if the pool is shut down or broken
     */
    public <T> CompletableFuture<T> submit(SerializableCallable<T> task) {
        return enqueue(Job.of(checkSerializable(task)), settings.taskTimeout());
    }

    /**
     * Runs {@code task} in a worker, killing the worker if it takes longer than {@code timeout}
     * (the future then fails with {@link TaskTimeoutException}).
     *
     * @throws IllegalArgumentException if the task is not serializable or the timeout not positive
     */
    public <T> CompletableFuture<T> submit(SerializableCallable<T> task, Duration timeout) {
        return enqueue(Job.of(checkSerializable(task)), checkTimeout(timeout));
    }

    /**
     * Runs {@code task} in a worker; the future's result is null.
     *
     * @throws IllegalArgumentException if the task is not serializable
     */
    public CompletableFuture<?> submit(SerializableRunnable task) {
        return enqueue(Job.of((Runnable) checkSerializable(task)), settings.taskTimeout());
    }

    /**
     * Applies {@code fn} to {@code arg} in a worker: {@code pool.submit(Demo::addOne, big)}.
     *
     * @throws IllegalArgumentException if the function or the argument is not serializable
     */
    @SuppressWarnings("unchecked")
    public <A, R> CompletableFuture<R> submit(SerializableFunction<? super A, ? extends R> fn, A arg) {
        return enqueue(Job.of((Function<Object, Object>) checkSerializable(fn), arg), settings.taskTimeout());
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if the task is not serializable: pass a
     *     {@link SerializableCallable}
     */
    @Override
    public <T> CompletableFuture<T> submit(Callable<T> task) {
        return enqueue(Job.of(checkSerializable(task)), settings.taskTimeout());
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if the task is not serializable: pass a
     *     {@link SerializableRunnable}
     */
    @Override
    public CompletableFuture<?> submit(Runnable task) {
        return enqueue(Job.of(checkSerializable(task)), settings.taskTimeout());
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if the task is not serializable
     */
    @Override
    public <T> CompletableFuture<T> submit(Runnable task, T result) {
        return this.<Object>enqueue(Job.of(checkSerializable(task)), settings.taskTimeout()).thenApply(ignored -> result);
    }

    /**
     * Runs {@code command} in a worker, with no way to see its outcome but its side effects.
     *
     * @throws IllegalArgumentException if the command is not serializable
     */
    @Override
    public void execute(Runnable command) {
        if (command instanceof TaskFuture) {
            core.execute((TaskFuture<?>) command);
        } else {
            submit(command);
        }
    }

    @Override
    protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
        return core.newTask(Job.of(checkSerializable(callable)), timeoutNanos(settings.taskTimeout()));
    }

    @Override
    protected <T> RunnableFuture<T> newTaskFor(Runnable runnable, T value) {
        Callable<T> callable = new RunnableWithResult<>(checkSerializable(runnable), value);
        return core.newTask(Job.of(callable), timeoutNanos(settings.taskTimeout()));
    }

    private <T> TaskFuture<T> enqueue(Job job, Duration timeout) {
        TaskFuture<T> future = core.newTask(job, timeoutNanos(timeout));
        core.execute(future);
        return future;
    }

    /**
     * Applies {@code fn} to every argument in workers, in chunks (see
     * {@link Builder#mapChunkSize}), and returns the results in input order. All chunks are
     * submitted at once; the stream waits for each as it is consumed. A failed chunk makes the
     * stream throw {@link java.util.concurrent.CompletionException} with the task's exception as
     * cause, when that chunk's results are reached. Closing the stream cancels what has not run.
     *
     * @throws IllegalArgumentException if the function or an argument is not serializable
     */
    public <A, R> Stream<R> map(SerializableFunction<? super A, ? extends R> fn, Iterable<? extends A> args) {
        return map(fn, args, settings.mapChunkSize());
    }

    /**
     * Like {@link #map(SerializableFunction, Iterable)}, with {@code chunkSize} arguments per task
     * (0: chosen from the input size, about four chunks per worker).
     *
     * @throws IllegalArgumentException if {@code chunkSize} is negative
     */
    @SuppressWarnings("unchecked")
    public <A, R> Stream<R> map(SerializableFunction<? super A, ? extends R> fn, Iterable<? extends A> args,
                                int chunkSize) {
        checkSerializable(fn);
        if (chunkSize < 0) {
            throw new IllegalArgumentException("chunkSize must not be negative: " + chunkSize);
        }
        List<A> all = new ArrayList<>();
        args.forEach(all::add);
        int chunk = chunkSize > 0 ? chunkSize : Math.max(1, (all.size() + settings.maxWorkers() * 4 - 1)
            / (settings.maxWorkers() * 4));
        List<CompletableFuture<List<R>>> chunks = new ArrayList<>();
        try {
            for (int from = 0; from < all.size(); from += chunk) {
                List<A> part = new ArrayList<>(all.subList(from, Math.min(all.size(), from + chunk)));
                chunks.add(enqueue(Job.ofChunk((Function<Object, Object>) fn, part), settings.taskTimeout()));
            }
        } catch (RuntimeException e) {
            chunks.forEach(f -> f.cancel(true));
            throw e;
        }
        return chunks.stream().flatMap(f -> f.join().stream()).onClose(() -> chunks.forEach(f -> f.cancel(true)));
    }

    // ---- invokeAll / invokeAny ------------------------------------------------------------

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if a task is not serializable (none is started then)
     */
    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
        List<Future<T>> futures = submitAll(tasks);
        for (Future<T> future : futures) {
            awaitQuietly(future);
        }
        return futures;
    }

    /**
     * {@inheritDoc} Tasks still running when the time is up are cancelled and their workers
     * killed.
     */
    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
        throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        List<Future<T>> futures = submitAll(tasks);
        try {
            for (Future<T> future : futures) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    future.get(left, TimeUnit.NANOSECONDS);
                } catch (ExecutionException | CancellationException | TimeoutException ignored) {
                    // reported through the future; a timeout ends the wait below
                }
            }
        } finally {
            futures.forEach(f -> f.cancel(true));
        }
        return futures;
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
        try {
            return invokeAny(tasks, Long.MAX_VALUE, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot happen without a time limit", e);
        }
    }

    /** {@inheritDoc} The tasks not needed any more are cancelled and their workers killed. */
    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
        throws InterruptedException, ExecutionException, TimeoutException {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("invokeAny needs at least one task");
        }
        List<Future<T>> futures = submitAll(tasks);
        CompletableFuture<T> first = new CompletableFuture<>();
        AtomicInteger failures = new AtomicInteger();
        for (Future<T> future : futures) {
            ((CompletableFuture<T>) future).whenComplete((value, error) -> {
                if (error == null) {
                    first.complete(value);
                } else if (failures.incrementAndGet() == futures.size()) {
                    first.completeExceptionally(error instanceof java.util.concurrent.CompletionException
                        ? error.getCause() : error);
                }
            });
        }
        try {
            return first.get(timeout, unit);
        } finally {
            futures.forEach(f -> f.cancel(true));
        }
    }

    private <T> List<Future<T>> submitAll(Collection<? extends Callable<T>> tasks) {
        List<TaskFuture<T>> made = new ArrayList<>(tasks.size());
        for (Callable<T> task : tasks) {
            made.add(core.newTask(Job.of(checkSerializable(Objects.requireNonNull(task, "task"))),
                timeoutNanos(settings.taskTimeout())));
        }
        List<Future<T>> futures = new ArrayList<>(made.size());
        try {
            for (TaskFuture<T> future : made) {
                core.execute(future);
                futures.add(future);
            }
        } catch (RuntimeException e) {
            made.forEach(f -> f.cancel(true));
            throw e;
        }
        return futures;
    }

    private static void awaitQuietly(Future<?> future) throws InterruptedException {
        try {
            future.get();
        } catch (ExecutionException | CancellationException ignored) {
            // the caller reads it from the future
        }
    }

    // ---- life cycle -----------------------------------------------------------------------

    /** Starts every worker now rather than on the first tasks (their JVMs take a while to start). */
    public int prestartAllWorkers() {
        return core.prestartAll();
    }

    @Override
    public void shutdown() {
        core.shutdown();
    }

    /**
     * Refuses new tasks, returns those never started (their futures stay incomplete, as in
     * {@link java.util.concurrent.ThreadPoolExecutor}), and cancels the running ones, killing
     * their workers.
     */
    @Override
    public List<Runnable> shutdownNow() {
        return core.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
        return core.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return core.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return core.awaitTermination(timeout, unit);
    }

    /**
     * Shuts down and waits for every task to finish and every worker to exit. If interrupted while
     * waiting, stops at once ({@link #shutdownNow()}), waits for the workers to go, and keeps the
     * interrupt status.
     */
    @Override
    public void close() {
        boolean interrupted = false;
        shutdown();
        while (!isTerminated()) {
            try {
                awaitTermination(1, TimeUnit.DAYS);
            } catch (InterruptedException e) {
                if (!interrupted) {
                    shutdownNow();
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "ProcessPoolExecutor[maxWorkers=" + settings.maxWorkers() + ", active=" + core.activeSlots()
            + ", queued=" + core.queuedTasks() + (isTerminated() ? ", terminated]" : isShutdown() ? ", shut down]" : "]");
    }

    // ---- checks ---------------------------------------------------------------------------

    private static <T> T checkSerializable(T task) {
        Objects.requireNonNull(task, "task");
        if (!(task instanceof Serializable)) {
            throw new IllegalArgumentException("task " + task.getClass().getName() + " is not Serializable, so it "
                + "cannot be sent to a worker process: pass a lambda or method reference where a SerializableCallable, "
                + "SerializableRunnable or SerializableFunction is expected, or make the class implement Serializable");
        }
        return task;
    }

    private static Duration checkTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        return timeout;
    }

    private static long timeoutNanos(Duration timeout) {
        return timeout.isZero() ? 0 : timeout.toNanos();
    }

    /** A runnable with a fixed result, serializable when the runnable and the result are. */
    private static final class RunnableWithResult<T> implements Callable<T>, Serializable {
        private static final long serialVersionUID = 1L;
        private final Runnable runnable;
        private final T result;

        RunnableWithResult(Runnable runnable, T result) {
            this.runnable = runnable;
            this.result = result;
        }

        @Override
        public T call() {
            runnable.run();
            return result;
        }
    }

    /** Settings of a {@link ProcessPoolExecutor}; every one has a default. */
    public static final class Builder {
        private int maxWorkers = Runtime.getRuntime().availableProcessors();
        private final List<String> jvmArgs = new ArrayList<>();
        private SerializableRunnable initializer;
        private int maxTasksPerWorker;
        private Duration idleTimeout = Duration.ofMinutes(5);
        private Duration taskTimeout = Duration.ZERO;
        private long shmThresholdBytes = DEFAULT_SHM_THRESHOLD_BYTES;
        private int mapChunkSize;
        private Duration trimAfter = Duration.ofSeconds(30);
        private Duration startTimeout = Duration.ofSeconds(60);
        private Duration busyPoll = DEFAULT_BUSY_POLL;

        private Builder() {
        }

        /**
         * Worker processes at most (default: available processors).
         *
         * @throws IllegalArgumentException if less than 1
         */
        public Builder maxWorkers(int maxWorkers) {
            if (maxWorkers < 1) {
                throw new IllegalArgumentException("maxWorkers must be at least 1: " + maxWorkers);
            }
            this.maxWorkers = maxWorkers;
            return this;
        }

        /** Extra arguments for every worker JVM: heap ({@code -Xmx4g}), system properties, GC. */
        public Builder jvmArgs(String... args) {
            for (String arg : args) {
                jvmArgs.add(Objects.requireNonNull(arg, "jvm argument"));
            }
            return this;
        }

        /**
         * Runs once in each worker before its first task (loading a native library, setting up
         * state later tasks use). If it throws, the pool is broken: queued tasks fail with
         * {@link WorkerStartException} and new ones are refused.
         */
        public Builder initializer(SerializableRunnable initializer) {
            this.initializer = initializer;
            return this;
        }

        /**
         * Replaces a worker after this many tasks (0, the default: never); 1 gives every task a
         * fresh JVM.
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder maxTasksPerWorker(int maxTasksPerWorker) {
            if (maxTasksPerWorker < 0) {
                throw new IllegalArgumentException("maxTasksPerWorker must not be negative: " + maxTasksPerWorker);
            }
            this.maxTasksPerWorker = maxTasksPerWorker;
            return this;
        }

        /**
         * A worker idle this long exits; a new one starts when work comes (default 5 minutes).
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = checkTimeout(idleTimeout);
            return this;
        }

        /**
         * Default limit on each task's run time (default: none); past it the worker is killed and
         * the task fails with {@link TaskTimeoutException}.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder taskTimeout(Duration taskTimeout) {
            this.taskTimeout = checkTimeout(taskTimeout);
            return this;
        }

        /**
         * Arrays of at least this many bytes travel through shared memory, smaller ones inline in
         * the stream (default {@value #DEFAULT_SHM_THRESHOLD_BYTES}). Buffers made by
         * {@link NativeShm} always go by name.
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder shmThresholdBytes(long shmThresholdBytes) {
            if (shmThresholdBytes < 0) {
                throw new IllegalArgumentException("shmThresholdBytes must not be negative: " + shmThresholdBytes);
            }
            this.shmThresholdBytes = shmThresholdBytes;
            return this;
        }

        /**
         * Arguments per task in {@link #map} (0, the default: about four chunks per worker).
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder mapChunkSize(int mapChunkSize) {
            if (mapChunkSize < 0) {
                throw new IllegalArgumentException("mapChunkSize must not be negative: " + mapChunkSize);
            }
            this.mapChunkSize = mapChunkSize;
            return this;
        }

        /**
         * How long free transfer memory is kept mapped for reuse before it is given back
         * (default 30 seconds).
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder trimAfter(Duration trimAfter) {
            this.trimAfter = checkTimeout(trimAfter);
            return this;
        }

        /**
         * How long a new worker may take to start and connect (default 60 seconds).
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = checkTimeout(startTimeout);
            return this;
        }

        /**
         * How long a thread waiting for a message from the other side (the pool's thread for a
         * worker's answer, a worker for its next task) polls before it blocks (default
         * 50 microseconds). Small tasks come back within that time, and polling saves the wake-up
         * that ending a blocking wait costs, a large part of a small task's round trip. Each poll
         * yields the core to any thread that needs it; zero blocks at once, for machines where
         * every core is taken by other work.
         *
         * @throws IllegalArgumentException if negative or longer than a second
         */
        public Builder busyPoll(Duration busyPoll) {
            if (busyPoll == null || busyPoll.isNegative() || busyPoll.compareTo(Duration.ofSeconds(1)) > 0) {
                throw new IllegalArgumentException("busyPoll must be between zero and one second: " + busyPoll);
            }
            this.busyPoll = busyPoll;
            return this;
        }

        /** A new pool with these settings; it sweeps segments orphaned by dead processes. */
        public ProcessPoolExecutor build() {
            return new ProcessPoolExecutor(this);
        }
    }
}
