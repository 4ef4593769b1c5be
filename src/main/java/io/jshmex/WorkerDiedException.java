package io.jshmex;

/**
 * The worker process running a task died (exit, crash, kill, out of memory) before returning a
 * result. Only that task fails; the pool starts a replacement for the tasks that follow.
 */
public final class WorkerDiedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long pid;
    private final int exitCode;

    /**
     * @param pid the worker's process id
     * @param exitCode its exit status as Java reports it (128 + n for a signal n), or -1 if unknown
     * @param detail what it was doing, and its last output if any
     */
    public WorkerDiedException(long pid, int exitCode, String detail) {
        super("worker process " + pid + " " + describe(exitCode) + (detail == null || detail.isEmpty() ? "" : "; " + detail));
        this.pid = pid;
        this.exitCode = exitCode;
    }

    /** The worker's process id. */
    public long pid() {
        return pid;
    }

    /** Its exit status (128 + n when killed by signal n), or -1 if unknown. */
    public int exitCode() {
        return exitCode;
    }

    /** The signal that killed it, or 0 if it exited by itself. */
    public int signal() {
        return exitCode > 128 && exitCode < 128 + 65 ? exitCode - 128 : 0;
    }

    static String describe(int exitCode) {
        if (exitCode < 0) {
            return "died (exit status unknown)";
        }
        if (exitCode > 128 && exitCode < 128 + 65) {
            int signal = exitCode - 128;
            return "was killed by signal " + signal + signalName(signal);
        }
        if (exitCode == 3) {
            return "exited with code 3 (the JVM's exit on OutOfMemoryError: give workers more heap with "
                + "builder().jvmArgs(\"-Xmx...\"))";
        }
        return "exited with code " + exitCode;
    }

    private static String signalName(int signal) {
        switch (signal) {
            case 6:
                return " (SIGABRT)";
            case 9:
                return " (SIGKILL)";
            case 11:
                return " (SIGSEGV)";
            case 7:
                return " (SIGBUS)";
            case 15:
                return " (SIGTERM)";
            default:
                return "";
        }
    }
}
