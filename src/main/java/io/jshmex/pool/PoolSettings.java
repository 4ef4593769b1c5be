package io.jshmex.pool;

import java.time.Duration;
import java.util.List;

/**
 * Everything a pool is configured with (see {@code ProcessPoolExecutor.Builder} for each).
 *
 * @param maxWorkers worker processes at most
 * @param jvmArgs extra arguments for each worker JVM
 * @param initializer runs once in each worker before its first task, or null
 * @param maxTasksPerWorker a worker is replaced after this many tasks (0: never)
 * @param idleTimeout a worker idle this long exits
 * @param taskTimeout default limit on a task's run time (zero: none)
 * @param shmThresholdBytes arrays of at least this many bytes go through shared memory
 * @param mapChunkSize arguments per task in {@code map} (0: chosen from the input size)
 * @param trimAfter free transfer memory is kept this long for reuse
 * @param startTimeout a worker that has not connected by then failed to start
 * @param busyPoll how long a thread waiting for a message polls before it blocks
 */
public record PoolSettings(int maxWorkers, List<String> jvmArgs, Runnable initializer, int maxTasksPerWorker,
                           Duration idleTimeout, Duration taskTimeout, long shmThresholdBytes, int mapChunkSize,
                           Duration trimAfter, Duration startTimeout, Duration busyPoll) {
}
