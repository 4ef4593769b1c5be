package io.jshmex.reliability;

/**
 * The rows of the generated table, in the order they are shown. A row whose class never recorded
 * a result is shown as not run, and one that started but never finished as a crash of the test
 * JVM: the table cannot silently lose a fault class.
 */
public enum Fault {
    WORKER_SIGKILL("Worker killed with SIGKILL at a random point of a transfer (16-64 MB arrays)"),
    THROWING_TASKS("Tasks that throw (runtime, checked, Error, custom, 1 MB payload, hostile exceptions)"),
    CANCEL_QUEUED("cancel(true) while queued"),
    CANCEL_RUNNING("cancel(true) while running"),
    TIMEOUTS("Task timeouts (per task and pool-wide)"),
    SHUTDOWN_RACE("submit racing shutdown() and shutdownNow() from other threads (rounds)"),
    PARENT_SIGKILL("Parent JVM killed with SIGKILL mid-transfer (workers exit within 10 s, clearOrphans)"),
    SHM_FULL_TMPFS("/dev/shm nearly full: 64 MB private tmpfs, child JVM (transfers)"),
    SHM_CREATE_TOO_BIG("Largest create that cannot fit (NativeShm.create(total + 1 GiB))"),
    MEMORY_PRESSURE("Memory pressure: 160 MB buffer round trips, no explicit release"),
    MAPPING_LIMIT("Mappings past the limit (child JVM, -Djshmex.maxMappings=40): segments, a task of 60 views"),
    STRESS("Stress: 8 threads, 2 workers, random types, 0-10 MB, checksummed (tasks)"),
    FUZZ_JAVA("Header fuzzer, Java: mutated 64-byte headers in /dev/shm files, attach + readHeader"),
    FUZZ_CPP("Header fuzzer, C++ under ASan+UBSan (bash cppbuild.sh: driver + libFuzzer)"),
    HOSTILE_NAMES("Hostile names: other uid, O_EXCL, symlinks, FIFO, directory, path characters"),
    CHANNEL("Channel: 0700 socket directory, no TCP port, impostor with a wrong token"),
    PERMISSIONS("Segment permissions: 0600 while transfers run (segments sampled)");

    private final String label;

    Fault(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
