package io.jshmex.bench;

import io.jshmex.SerializableFunction;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The baseline jshmex is measured against: a plain process pool that moves everything by Java
 * serialization over the children's stdin and stdout, the way one would write it by hand.
 *
 * <p>It is meant to be fair rather than naive: the children are started like jshmex workers (same
 * {@code java} binary, class path and JVM flags), the pipes are wrapped in 64 KiB buffered
 * streams, and both sides call {@code reset()} after every message so that neither keeps a
 * growing handle table. Each child runs one task at a time, fed from one shared queue.
 */
public final class SerializationPool implements AutoCloseable {
    static final int BUFFER_BYTES = 64 * 1024;

    /** The JVM flags jshmex gives its workers (and the benchmark's heap for both), so that both pools start the same kind of JVM. */
    static final List<String> WORKER_JVM_FLAGS = Stream.concat(
        Stream.of("--enable-native-access=ALL-UNNAMED", "-XX:+ExitOnOutOfMemoryError"),
        Contender.WORKER_JVM_ARGS.stream()).collect(Collectors.toUnmodifiableList());

    private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final List<Child> children = new ArrayList<>();
    private final AtomicInteger alive = new AtomicInteger();
    private volatile boolean closed;

    /**
     * Starts {@code workers} child JVMs; they connect lazily, so the first task pays for their
     * start, as with any pool.
     */
    public SerializationPool(int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1: " + workers);
        }
        try {
            for (int i = 0; i < workers; i++) {
                Child child = new Child(startProcess(), i);
                children.add(child);
                alive.incrementAndGet();
                child.thread.start();
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw new IllegalStateException("could not start a serialization worker: " + e.getMessage(), e);
        }
    }

    private static Process startProcess() throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(WORKER_JVM_FLAGS);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(SerializationWorker.class.getName());
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** Applies {@code fn} to {@code arg} in a child process. */
    public <A, R> CompletableFuture<R> submit(SerializableFunction<? super A, ? extends R> fn, A arg) {
        CompletableFuture<R> future = new CompletableFuture<>();
        if (closed || alive.get() == 0) {
            future.completeExceptionally(new IllegalStateException(closed ? "pool closed" : "no serialization worker left"));
            return future;
        }
        queue.add(new Job(fn, arg, future));
        return future;
    }

    /** Process ids of the children (for memory accounting). */
    public List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        for (Child child : children) {
            pids.add(child.process.pid());
        }
        return pids;
    }

    /** Kills the children at once; tasks not finished fail. */
    @Override
    public void close() {
        closed = true;
        for (Child child : children) {
            child.thread.interrupt();
            child.process.destroyForcibly();
        }
        for (Child child : children) {
            try {
                child.process.waitFor(10, TimeUnit.SECONDS);
                child.thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        Job left;
        while ((left = queue.poll()) != null) {
            left.future.completeExceptionally(new IllegalStateException("pool closed"));
        }
    }

    private static final class Job {
        final SerializableFunction<?, ?> fn;
        final Object arg;
        final CompletableFuture<Object> future;

        @SuppressWarnings("unchecked")
        Job(SerializableFunction<?, ?> fn, Object arg, CompletableFuture<?> future) {
            this.fn = fn;
            this.arg = arg;
            this.future = (CompletableFuture<Object>) future;
        }
    }

    /** One child and the thread that talks to it. */
    private final class Child {
        final Process process;
        final Thread thread;

        Child(Process process, int index) {
            this.process = process;
            this.thread = new Thread(this::serve, "serialization-pool-" + index);
            this.thread.setDaemon(true);
        }

        private void serve() {
            Job job = null;
            try (ObjectOutputStream out = new ObjectOutputStream(
                     new BufferedOutputStream(process.getOutputStream(), BUFFER_BYTES))) {
                out.flush();
                // the child writes its stream header at start, so this waits for its JVM to be up
                ObjectInputStream in = new ObjectInputStream(new BufferedInputStream(process.getInputStream(),
                    BUFFER_BYTES));
                while (!closed) {
                    job = queue.take();
                    if (job.future.isDone()) {
                        continue;
                    }
                    out.writeObject(job.fn);
                    out.writeObject(job.arg);
                    out.flush();
                    out.reset();
                    boolean ok = in.readBoolean();
                    Object value = in.readObject();
                    if (ok) {
                        job.future.complete(value);
                    } else {
                        job.future.completeExceptionally((Throwable) value);
                    }
                    job = null;
                }
            } catch (InterruptedException e) {
                // closing
            } catch (IOException | ClassNotFoundException | RuntimeException e) {
                if (job != null) {
                    job.future.completeExceptionally(new IllegalStateException("serialization worker "
                        + process.pid() + " failed: " + e, e));
                }
                if (!closed) {
                    // a broken stream cannot be resynchronised: without this child the pool is one short
                    process.destroyForcibly();
                }
            } finally {
                if (job != null) {
                    job.future.completeExceptionally(new IllegalStateException("pool closed"));
                }
                if (alive.decrementAndGet() == 0) {
                    // nobody is left to take the queue: fail it rather than let callers wait forever
                    Job left;
                    while ((left = queue.poll()) != null) {
                        left.future.completeExceptionally(new IllegalStateException("no serialization worker left"));
                    }
                }
            }
        }
    }
}
