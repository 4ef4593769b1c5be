package io.jshmex.bench;

import io.jshmex.ProcessPoolExecutor;
import io.jshmex.SerializableFunction;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** One way of running a function on an argument: a jshmex pool, the baseline pool, or threads. */
abstract class Contender implements AutoCloseable {
    static final String JSHMEX = "jshmex";
    static final String SERIALIZATION = "serialization";
    static final String IN_PROCESS = "in-process";

    final String name;
    final int workers;

    private Contender(String name, int workers) {
        this.name = name;
        this.workers = workers;
    }

    abstract <A, R> CompletableFuture<R> submit(SerializableFunction<A, R> fn, A arg);

    /** One round trip, waited for. */
    final <A, R> R call(SerializableFunction<A, R> fn, A arg) throws Exception {
        try {
            return submit(fn, arg).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        }
    }

    /**
     * Returns once every worker process is up and has run a task, so that no measured round pays
     * for a JVM start (a pool starts its workers in the background).
     */
    void awaitWorkers() throws Exception {
        if (this instanceof InProcess) {
            return;
        }
        Set<Long> seen = new HashSet<>();
        for (int attempt = 0; seen.size() < workers; attempt++) {
            if (attempt == 100) {
                throw new IllegalStateException(name + ": only " + seen.size() + " of " + workers + " workers answered");
            }
            List<CompletableFuture<Long>> pids = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                pids.add(submit(Tasks::pidAfter, 20));
            }
            for (CompletableFuture<Long> pid : pids) {
                seen.add(pid.get());
            }
        }
    }

    @Override
    public abstract void close();

    static final String JSHMEX_ALL_SHM = "jshmex, all by shm";
    static final String JSHMEX_ALL_INLINE = "jshmex, all inline";
    /**
     * The heap of every worker of both process pools. The program keeps up to six worker JVMs
     * open; with the default heap (a quarter of the machine's memory each) they grow until the
     * machine runs short, and then every figure measures the kernel's reclaim instead.
     */
    static final String WORKER_HEAP = "-Xmx2g";
    /**
     * Every worker of both pools runs the collector this program runs with (a {@code -XX:+Use...GC}
     * flag on its command line, else the JVM's default), so that a run compares transfers, not
     * collectors.
     */
    static final List<String> WORKER_JVM_ARGS = workerJvmArgs();

    private static List<String> workerJvmArgs() {
        List<String> args = new ArrayList<>();
        args.add(WORKER_HEAP);
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.matches("-XX:\\+Use\\w+GC")) {
                args.add(arg);
            }
        }
        return List.copyOf(args);
    }
    /** Only in the memory case: add_one with NativeShm input and output made once (a jshmex pool). */
    static final String JSHMEX_ZERO_COPY = "jshmex zero-copy";

    static Contender open(String kind, int workers) {
        switch (kind) {
            case JSHMEX_ALL_SHM:
                return new Jshmex(kind, workers, 0);
            case JSHMEX_ALL_INLINE:
                return new Jshmex(kind, workers, Long.MAX_VALUE);
            case JSHMEX:
                return new Jshmex(workers);
            case SERIALIZATION:
                return new Serialization(workers);
            case IN_PROCESS:
                return new InProcess(workers);
            default:
                throw new IllegalArgumentException("unknown contender " + kind);
        }
    }

    static final class Jshmex extends Contender {
        final ProcessPoolExecutor pool;

        Jshmex(int workers) {
            this(JSHMEX, workers, ProcessPoolExecutor.DEFAULT_SHM_THRESHOLD_BYTES);
        }

        /** A pool whose arrays go through shared memory from {@code threshold} bytes on. */
        Jshmex(String name, int workers, long threshold) {
            super(name, workers);
            pool = ProcessPoolExecutor.builder().maxWorkers(workers).shmThresholdBytes(threshold)
                .jvmArgs(WORKER_JVM_ARGS.toArray(new String[0])).build();
            pool.prestartAllWorkers();
        }

        @Override
        <A, R> CompletableFuture<R> submit(SerializableFunction<A, R> fn, A arg) {
            return pool.submit(fn, arg);
        }

        @Override
        public void close() {
            pool.close();
        }
    }

    static final class Serialization extends Contender {
        final SerializationPool pool;

        Serialization(int workers) {
            super(SERIALIZATION, workers);
            pool = new SerializationPool(workers);
        }

        @Override
        <A, R> CompletableFuture<R> submit(SerializableFunction<A, R> fn, A arg) {
            return pool.submit(fn, arg);
        }

        @Override
        public void close() {
            pool.close();
        }
    }

    static final class InProcess extends Contender {
        final ThreadPoolExecutor threads;

        InProcess(int workers) {
            super(IN_PROCESS, workers);
            threads = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
            threads.prestartAllCoreThreads();
        }

        @Override
        <A, R> CompletableFuture<R> submit(SerializableFunction<A, R> fn, A arg) {
            return CompletableFuture.supplyAsync(() -> fn.apply(arg), threads);
        }

        @Override
        public void close() {
            threads.shutdownNow();
            try {
                threads.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
