package io.jshmex.pool;

import io.jshmex.TaskStep;
import io.jshmex.TaskTimeoutException;
import io.jshmex.TaskTransferException;
import io.jshmex.WorkerStartException;
import io.jshmex.transfer.Payload;
import io.jshmex.transfer.TransferLink;
import io.jshmex.transfer.WrapperRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One worker place of the pool: a parent thread that owns at most one worker process at a time,
 * takes tasks from the queue, sends each to its worker, waits for the reply, and replaces the
 * worker when it dies, is killed (cancel, timeout) or has run its share of tasks.
 */
final class Slot implements Runnable {
    private final PoolCore pool;
    private final PoolSettings settings;
    private final boolean prestart;
    /** Signalled, under the pool's lock, when there is work for this slot. */
    final Condition wakeup;
    private volatile WorkerProcess worker;
    private volatile TaskFuture<?> current;
    /** The worker whose channel this idle slot waits on (its answers wake the slot), or null. */
    private volatile WorkerProcess waitingOn;
    /** A task whose frame the submitting thread sends itself (guarded by the pool's lock). */
    private TaskFuture<?> handedOver;
    private WorkerProcess handedOverTo;

    Slot(PoolCore pool, Condition wakeup, boolean prestart) {
        this.pool = pool;
        this.settings = pool.settings;
        this.wakeup = wakeup;
        this.prestart = prestart;
    }

    /**
     * Whether this idle slot can take a task whose frame another thread sends: its worker is up,
     * knows the current array-wrapper registrations, and has tasks left before it is recycled.
     * Called under the pool's lock.
     */
    boolean acceptsDirect() {
        WorkerProcess ready = worker;
        if (handedOver != null || ready == null || !ready.isAlive() || ready.registryVersion != WrapperRegistry.version()
            || (settings.maxTasksPerWorker() > 0 && ready.tasksRun + 1 >= settings.maxTasksPerWorker())) {
            return false;
        }
        try {
            // a worker killed while idle has closed its end already, before the JVM notices its exit
            ready.drainNotices();
            return true;
        } catch (WorkerProcess.WorkerGone gone) {
            return false;
        }
    }

    /**
     * Waits while idle, with the pool's lock held on entry and on return; returns the time left
     * of {@code nanos}, as {@link Condition#awaitNanos}. With a worker up, the slot waits on its
     * channel: a task handed over directly needs no wake-up, its answer wakes the slot.
     */
    long idleWait(ReentrantLock lock, long nanos) throws InterruptedException {
        WorkerProcess idleWorker = worker;
        if (idleWorker == null || !idleWorker.isAlive()) {
            return wakeup.awaitNanos(nanos);
        }
        long start = System.nanoTime();
        waitingOn = idleWorker;
        boolean readable;
        lock.unlock();
        try {
            readable = idleWorker.awaitIdle(nanos);
        } finally {
            lock.lock();
            waitingOn = null;
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (readable && handedOver == null) {
            try {
                // what woke the slot: notices, to take now (else the next wait ends at once), or the end
                idleWorker.drainNotices();
            } catch (WorkerProcess.WorkerGone gone) {
                // the next task replaces it; until then the slot waits on its condition
                idleWorker.kill();
            }
        }
        return nanos - (System.nanoTime() - start);
    }

    /**
     * Gives back the transfer blocks kept for this slot's worker, from any thread: this side's
     * free ones at once, and the worker's by a {@link Frame#SPACE} request, whose answer this
     * slot applies as it reads (while idle, the answer wakes it). Returns whether a worker was asked.
     */
    boolean giveBackKeptBlocks() {
        WorkerProcess current = worker;
        if (current == null || !current.isAlive()) {
            return false;
        }
        current.link.blocks().trim(true);
        try {
            // the blocks just dropped here are named in it too, so the worker unmaps them at once
            current.send(Frame.control(Frame.SPACE, 0));
        } catch (IOException e) {
            // the slot finds the worker gone
        }
        return true;
    }

    /** Wakes this slot from its idle wait (called under the pool's lock). */
    void wake() {
        WorkerProcess channelWait = waitingOn;
        if (channelWait != null) {
            channelWait.wakeIdleWaiter();
        }
        wakeup.signal();
    }

    /**
     * Wakes this slot after {@code task} was handed over to it, unless it waits on the channel
     * the task went to and the answer, whenever it comes, is all it waits for: a task with a
     * time limit needs the slot awake to keep it (called under the pool's lock).
     */
    void wakeUnlessAnswerWill(TaskFuture<?> task, WorkerProcess sentTo) {
        if (waitingOn != sentTo || task.timeoutNanos > 0) {
            wake();
        }
    }

    /**
     * Takes {@code task} as its next one, to be sent by the caller to the worker returned.
     * Called under the pool's lock.
     */
    WorkerProcess handOver(TaskFuture<?> task) {
        handedOver = task;
        handedOverTo = worker;
        task.runningOn = this;
        current = task;
        return handedOverTo;
    }

    /** The task handed over, once (called under the pool's lock by this slot's thread). */
    TaskFuture<?> takeHandedOver() {
        TaskFuture<?> task = handedOver;
        handedOver = null;
        return task;
    }

    /**
     * Sends a handed-over task's frame, on the submitting thread. A failure needs no handling
     * here: the slot, waiting for the answer, sees the worker gone and fails the task.
     */
    static void sendHandedOver(TaskFuture<?> task, WorkerProcess to) {
        try {
            to.send(new Frame(Frame.TASK, task.id, null, null, null, task.payload.stream()));
        } catch (IOException | RuntimeException e) {
            to.kill();
        }
    }

    @Override
    public void run() {
        try {
            if (prestart) {
                try {
                    ensureWorker();
                } catch (WorkerStartException e) {
                    // the first task reports it; an initializer failure already broke the pool
                }
            }
            long idleSince = System.nanoTime();
            long trimNanos = settings.trimAfter().toNanos();
            while (true) {
                // wake up to trim transfer memory, and to exit when idle past the idle timeout
                long idleLeft = Math.max(0, settings.idleTimeout().toNanos() - (System.nanoTime() - idleSince));
                boolean exitOnTimeout = idleLeft <= trimNanos;
                Object next = pool.take(this, exitOnTimeout ? idleLeft : trimNanos, exitOnTimeout);
                if (next == PoolCore.EXIT) {
                    break;
                }
                if (next == PoolCore.TIMEOUT) {
                    tidyIdleWorker();
                    continue;
                }
                runTask((TaskFuture<?>) next);
                idleSince = System.nanoTime();
                if (worker != null && settings.maxTasksPerWorker() > 0 && worker.tasksRun >= settings.maxTasksPerWorker()) {
                    retireWorker();
                }
            }
        } finally {
            retireWorker();
            pool.slotExited(this);
        }
    }

    /** The task this slot is running, or null. */
    TaskFuture<?> current() {
        return current;
    }

    /** Kills the worker if it is running {@code task} (cancel(true), shutdownNow). */
    void abort(TaskFuture<?> task) {
        WorkerProcess running = worker;
        if (current == task && running != null) {
            running.kill();
        }
    }

    private void runTask(TaskFuture<?> task) {
        boolean alreadySent = current == task && handedOverTo == worker && handedOverTo != null;
        handedOverTo = null;
        task.runningOn = this;
        current = task;
        try {
            if (alreadySent) {
                awaitAndComplete(task, worker);
                return;
            }
            if (task.isDone()) {
                return;
            }
            try {
                ensureWorker();
                try {
                    // what the worker freed while idle can serve this task
                    worker.drainNotices();
                } catch (WorkerProcess.WorkerGone diedWhileIdle) {
                    dropWorker();
                    ensureWorker();
                }
            } catch (WorkerStartException e) {
                task.completeExceptionally(e);
                return;
            }
            exchange(task, worker);
        } finally {
            current = null;
            // the task's values (and the caller's segments they hold) are not needed any more
            task.payload = null;
        }
    }

    private void exchange(TaskFuture<?> task, WorkerProcess running) {
        try {
            sendRegistryIfChanged(running);
        } catch (IOException e) {
            workerLost(task, running, "while receiving the array-wrapper registrations before " + task);
            return;
        }
        TransferLink.Staged staged;
        try {
            staged = running.link.stage(task.payload);
        } catch (RuntimeException | Error e) {
            task.completeExceptionally(new TaskTransferException(TaskStep.SEND_TASK, String.valueOf(e.getMessage()), e));
            return;
        }
        try {
            running.send(new Frame(Frame.TASK, task.id, null, null, staged.table(), task.payload.stream()));
        } catch (IOException e) {
            running.link.abandon(staged);
            workerLost(task, running, "while receiving " + task);
            return;
        }
        try {
            staged.copyIn();
        } catch (IOException | RuntimeException | Error e) {
            task.completeExceptionally(new TaskTransferException(TaskStep.SEND_TASK, String.valueOf(e.getMessage()), e));
            dropWorker();
            return;
        }
        awaitAndComplete(task, running);
    }

    private void awaitAndComplete(TaskFuture<?> task, WorkerProcess running) {
        long timeout = task.timeoutNanos;
        Frame reply;
        try {
            reply = running.awaitReply(timeout > 0 ? timeout : -1);
        } catch (WorkerProcess.WorkerGone gone) {
            workerLost(task, running, "while running " + task);
            return;
        }
        if (reply == null) {
            running.kill();
            task.completeExceptionally(new TaskTimeoutException(Duration.ofNanos(timeout), running.pid));
            dropWorker();
            return;
        }
        // the answer is in: a cancel(true) from now on must not kill the worker the next task needs
        current = null;
        running.tasksRun++;
        complete(task, running, reply);
        // callers' segments that came back by name and have since been unlinked are let go
        running.link.sweepNamed();
    }

    /** Array wrappers registered since the worker started reach it before its next task. */
    private static void sendRegistryIfChanged(WorkerProcess running) throws IOException {
        int version = WrapperRegistry.version();
        if (running.registryVersion == version) {
            return;
        }
        Payload registrations = running.link.encode(WrapperRegistry.snapshot().toArray(new String[0][]));
        running.send(new Frame(Frame.REGISTRY, 0, null, null, null, registrations.stream()));
        running.registryVersion = version;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void complete(TaskFuture task, WorkerProcess running, Frame reply) {
        Object value;
        try {
            value = running.link.decode(reply.stream, reply.table, null,
                reply.kind == Frame.FAILURE ? ControlFilters.FAILURE : null);
        } catch (IOException | ClassNotFoundException | RuntimeException | Error e) {
            if (e instanceof IOException && running.exitsWithin(1000)) {
                // the worker died while it was still copying its result in
                workerLost(task, running, "while returning the result of " + task);
                return;
            }
            task.completeExceptionally(new TaskTransferException(TaskStep.RECEIVE_RESULT,
                "the result of " + task + " could not be decoded: " + e, e));
            return;
        }
        if (reply.kind == Frame.RESULT) {
            task.complete(value);
            return;
        }
        Failure failure = (Failure) value;
        Throwable error = failure.toThrowable();
        if (failure.step != TaskStep.RUN && !(error instanceof io.jshmex.RemoteTaskException)) {
            error = new TaskTransferException(failure.step, String.valueOf(error), error);
        }
        task.completeExceptionally(error);
    }

    private void workerLost(TaskFuture<?> task, WorkerProcess running, String doing) {
        if (!task.isDone()) {
            task.completeExceptionally(running.death(doing));
        }
        dropWorker();
    }

    private void ensureWorker() {
        if (worker != null && worker.isAlive()) {
            return;
        }
        dropWorker();
        WorkerProcess started = WorkerProcess.launch(settings, pool.socketDir(), pool.nextWorkerNumber());
        worker = started;
        if (pool.initializer != null) {
            initialize(started);
        }
    }

    private void initialize(WorkerProcess started) {
        Frame reply;
        try {
            TransferLink.Staged staged = started.link.stage(pool.initializer);
            started.send(new Frame(Frame.INIT, 0, null, null, staged.table(), pool.initializer.stream()));
            staged.copyIn();
            reply = started.awaitReply(-1);
        } catch (IOException | WorkerProcess.WorkerGone | RuntimeException e) {
            WorkerStartException failed = new WorkerStartException("the pool's initializer did not complete: "
                + started.death("while running the initializer").getMessage(), null);
            dropWorker();
            pool.markBroken(failed);
            throw failed;
        }
        if (reply.kind == Frame.INIT_OK) {
            return;
        }
        Throwable cause;
        try {
            cause = ((Failure) started.link.decode(reply.stream, reply.table, null, ControlFilters.FAILURE)).toThrowable();
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            cause = e;
        }
        WorkerStartException failed = new WorkerStartException("the pool's initializer failed in worker process "
            + started.pid + ": " + cause + "; the pool is broken: every worker would fail the same way", cause);
        retireWorker();
        pool.markBroken(failed);
        throw failed;
    }

    private void tidyIdleWorker() {
        WorkerProcess idle = worker;
        if (idle == null) {
            return;
        }
        if (!idle.isAlive()) {
            dropWorker();
            return;
        }
        try {
            idle.drainNotices();
            idle.link.blocks().trim(false);
            idle.send(Frame.control(Frame.NOTICE, 0));
        } catch (IOException | WorkerProcess.WorkerGone e) {
            dropWorker();
        }
    }

    private void dropWorker() {
        if (worker != null) {
            worker.kill();
            worker.release();
            worker = null;
        }
    }

    private void retireWorker() {
        if (worker != null) {
            worker.shutdown();
            worker = null;
        }
    }
}
