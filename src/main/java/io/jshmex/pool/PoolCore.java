package io.jshmex.pool;

import io.jshmex.WorkerStartException;
import io.jshmex.shm.Shm;
import io.jshmex.shm.Segments;
import io.jshmex.transfer.Payload;
import io.jshmex.transfer.PayloadEncoder;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The pool's state and queue, under one lock: the {@code ExecutorService} life cycle (running,
 * shut down, stopped, terminated), the task queue, and the {@link Slot}s that run tasks.
 * Slots start on demand, up to {@code maxWorkers}, and end when idle past the idle timeout.
 */
public final class PoolCore {
    static final Object EXIT = new Object();
    static final Object TIMEOUT = new Object();

    private static final int RUNNING = 0;
    private static final int SHUTDOWN = 1;
    private static final int STOP = 2;
    private static final int TERMINATED = 3;

    private static final Set<PoolCore> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Thread hook = new Thread(() -> LIVE.forEach(PoolCore::killAtExit), "jshmex-exit");
        Runtime.getRuntime().addShutdownHook(hook);
        // a user's segment must not fail for want of room that idle transfer blocks hold
        Segments.addSpaceKeeper(() -> {
            boolean asked = false;
            for (PoolCore pool : LIVE) {
                asked |= pool.giveBackKeptBlocks();
            }
            return asked;
        });
    }

    final PoolSettings settings;
    final Payload initializer;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition terminated = lock.newCondition();
    private final ArrayDeque<TaskFuture<?>> queue = new ArrayDeque<>();
    private final Set<Slot> slots = new HashSet<>();
    private final AtomicLong taskIds = new AtomicLong();
    private final AtomicLong workerNumbers = new AtomicLong();
    private final long threshold;
    /** Slots waiting for work, the most recently idle first (its worker's caches are the warmest). */
    private final ArrayDeque<Slot> idle = new ArrayDeque<>();
    /** Slot threads still running: one may have left {@link #slots} and still be stopping its worker. */
    private int liveSlotThreads;
    private int state = RUNNING;
    private WorkerStartException broken;
    private Path socketDir;

    /**
     * @throws IllegalArgumentException if the initializer cannot be serialized
     */
    public PoolCore(PoolSettings settings) {
        this.settings = settings;
        // without the native layer everything travels inline: slower, still correct
        this.threshold = Shm.isAvailable() ? settings.shmThresholdBytes() : Long.MAX_VALUE;
        if (Shm.isAvailable()) {
            Segments.clear(true);
        }
        SocketDirs.removeOrphans();
        this.initializer = settings.initializer() == null ? null : encode(settings.initializer(), settings.initializer());
        LIVE.add(this);
    }

    /**
     * A future for {@code job}, encoded now: a task that cannot be serialized is refused here,
     * before anything runs.
     */
    public <T> TaskFuture<T> newTask(Job job, long timeoutNanos) {
        checkRunning();
        Payload payload = encode(job, job.task());
        return new TaskFuture<>(this, taskIds.incrementAndGet(), payload, timeoutNanos, describe(job.task()));
    }

    private Payload encode(Object graph, Object userTask) {
        try {
            return PayloadEncoder.encode(graph, threshold, null);
        } catch (NotSerializableException e) {
            throw new IllegalArgumentException("task " + describe(userTask) + " cannot be sent to a worker process: "
                + "class " + e.getMessage() + " is not Serializable (the task, or something it captures or refers "
                + "to, is of that class; make it implement java.io.Serializable, or do not capture it)", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("task " + describe(userTask) + " cannot be sent to a worker process: " + e, e);
        }
    }

    private static String describe(Object task) {
        String name = task.getClass().getName();
        int lambda = name.indexOf("$$Lambda");
        return lambda > 0 ? "lambda in " + name.substring(0, lambda) : name;
    }

    /**
     * Queues a task made by {@link #newTask}. A small task (nothing to put in shared memory) that
     * finds a slot idle with a ready worker is sent by the calling thread itself, and the slot
     * only waits for the answer: one thread hand-over less on the path of a small round trip.
     */
    public void execute(TaskFuture<?> task) {
        Slot direct = null;
        WorkerProcess directWorker = null;
        lock.lock();
        try {
            checkRunning();
            if (task.payload.sharedValues() == 0 && queue.isEmpty()) {
                for (Slot slot : idle) {
                    if (slot.acceptsDirect()) {
                        direct = slot;
                        break;
                    }
                }
            }
            if (direct != null) {
                idle.remove(direct);
                directWorker = direct.handOver(task);
            } else {
                queue.add(task);
                if (queue.size() > idle.size() && slots.size() < settings.maxWorkers()) {
                    startSlot(false);
                } else if (!idle.isEmpty()) {
                    // out of the idle list at once: the next task must wake another slot, not this one again
                    idle.pollFirst().wake();
                }
            }
        } finally {
            lock.unlock();
        }
        if (directWorker != null) {
            // the task goes out first; a slot waiting on that worker's channel is woken by the answer
            Slot.sendHandedOver(task, directWorker);
            lock.lock();
            try {
                direct.wakeUnlessAnswerWill(task, directWorker);
            } finally {
                lock.unlock();
            }
        }
    }

    private void checkRunning() {
        if (broken != null) {
            throw new RejectedExecutionException("the pool is broken: " + broken.getMessage(), broken);
        }
        if (state != RUNNING) {
            throw new RejectedExecutionException("the pool is shut down");
        }
    }

    /** Starts every worker now instead of on the first tasks; returns how many were started. */
    public int prestartAll() {
        lock.lock();
        try {
            int started = 0;
            while (state == RUNNING && slots.size() < settings.maxWorkers()) {
                startSlot(true);
                started++;
            }
            return started;
        } finally {
            lock.unlock();
        }
    }

    private void startSlot(boolean prestart) {
        Slot slot = new Slot(this, lock.newCondition(), prestart);
        slots.add(slot);
        liveSlotThreads++;
        Thread thread = new Thread(slot, "jshmex-pool-slot");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * The next task for {@code slot}; {@link #EXIT} when the slot must end (stopped, shut down
     * with nothing left, or idle for {@code waitNanos} with {@code exitOnTimeout}); else
     * {@link #TIMEOUT} after {@code waitNanos} with nothing to do.
     */
    Object take(Slot slot, long waitNanos, boolean exitOnTimeout) {
        lock.lock();
        try {
            while (true) {
                TaskFuture<?> handedOver = slot.takeHandedOver();
                if (handedOver != null) {
                    return handedOver;
                }
                if (state >= STOP || broken != null) {
                    return exit(slot);
                }
                TaskFuture<?> task = queue.poll();
                if (task != null) {
                    if (task.isDone()) {
                        continue;
                    }
                    return task;
                }
                if (state >= SHUTDOWN) {
                    return exit(slot);
                }
                if (waitNanos <= 0) {
                    return exitOnTimeout ? exit(slot) : TIMEOUT;
                }
                idle.addFirst(slot);
                try {
                    waitNanos = slot.idleWait(lock, waitNanos);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return exit(slot);
                } finally {
                    idle.remove(slot);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private Object exit(Slot slot) {
        slots.remove(slot);
        return EXIT;
    }

    void slotExited(Slot slot) {
        lock.lock();
        try {
            slots.remove(slot);
            liveSlotThreads--;
            tryTerminate();
        } finally {
            lock.unlock();
        }
    }

    void cancelled(TaskFuture<?> task, boolean mayInterrupt) {
        lock.lock();
        try {
            queue.remove(task);
        } finally {
            lock.unlock();
        }
        Slot slot = task.runningOn;
        if (mayInterrupt && slot != null) {
            slot.abort(task);
        }
    }

    /** An initializer failed: fail everything queued and refuse the rest. */
    void markBroken(WorkerStartException cause) {
        List<TaskFuture<?>> failed;
        lock.lock();
        try {
            if (broken == null) {
                broken = cause;
            }
            failed = new ArrayList<>(queue);
            queue.clear();
            wakeAll();
        } finally {
            lock.unlock();
        }
        failed.forEach(task -> task.completeExceptionally(cause));
    }

    private void wakeAll() {
        for (Slot slot : idle) {
            slot.wake();
        }
    }

    long nextWorkerNumber() {
        return workerNumbers.incrementAndGet();
    }

    /** The private (0700) directory of the workers' sockets, made when the first worker starts. */
    Path socketDir() {
        lock.lock();
        try {
            if (socketDir == null) {
                socketDir = SocketDirs.create();
            }
            return socketDir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the directory for the workers' sockets", e);
        } finally {
            lock.unlock();
        }
    }

    public void shutdown() {
        lock.lock();
        try {
            if (state == RUNNING) {
                state = SHUTDOWN;
            }
            wakeAll();
            tryTerminate();
        } finally {
            lock.unlock();
        }
    }

    /** Stops: returns the tasks never started, cancels and kills the running ones. */
    public List<Runnable> shutdownNow() {
        List<Runnable> neverStarted;
        List<TaskFuture<?>> running = new ArrayList<>();
        lock.lock();
        try {
            if (state < STOP) {
                state = STOP;
            }
            neverStarted = new ArrayList<>(queue);
            queue.clear();
            for (Slot slot : slots) {
                TaskFuture<?> task = slot.current();
                if (task != null) {
                    running.add(task);
                }
            }
            wakeAll();
            tryTerminate();
        } finally {
            lock.unlock();
        }
        running.forEach(task -> task.cancel(true));
        return neverStarted;
    }

    public boolean isShutdown() {
        lock.lock();
        try {
            return state >= SHUTDOWN;
        } finally {
            lock.unlock();
        }
    }

    public boolean isTerminated() {
        lock.lock();
        try {
            return state == TERMINATED;
        } finally {
            lock.unlock();
        }
    }

    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            while (state != TERMINATED) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = terminated.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void tryTerminate() {
        if (state == RUNNING || state == TERMINATED || liveSlotThreads > 0 || (state == SHUTDOWN && !queue.isEmpty())) {
            return;
        }
        state = TERMINATED;
        deleteSocketDir();
        LIVE.remove(this);
        terminated.signalAll();
    }

    private void deleteSocketDir() {
        if (socketDir != null) {
            // what stays (an I/O error) is removed by the next pool once this process is gone
            SocketDirs.remove(socketDir);
        }
    }

    /** At JVM exit: workers see their stdin close and exit; the socket directory goes now. */
    private void killAtExit() {
        deleteSocketDir();
    }

    /** Asks every worker of this pool to give back the transfer blocks it keeps; whether any was asked. */
    private boolean giveBackKeptBlocks() {
        List<Slot> current;
        lock.lock();
        try {
            current = new ArrayList<>(slots);
        } finally {
            lock.unlock();
        }
        boolean asked = false;
        for (Slot slot : current) {
            asked |= slot.giveBackKeptBlocks();
        }
        return asked;
    }

    /** Queued tasks, for monitoring. */
    public int queuedTasks() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Worker places in use (each with at most one worker process). */
    public int activeSlots() {
        lock.lock();
        try {
            return slots.size();
        } finally {
            lock.unlock();
        }
    }
}
