package io.jshmex.reliability;

import io.jshmex.WorkerDiedException;
import java.util.Optional;

/** Reading what a failed future says. */
final class Causes {
    private Causes() {
    }

    /** The first throwable of type {@code type} in the cause chain of {@code error}. */
    static <T extends Throwable> Optional<T> find(Throwable error, Class<T> type) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return Optional.of(type.cast(t));
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return Optional.empty();
    }

    /**
     * Whether a worker died of a crash rather than of the kill the test sent: a JVM that aborts
     * (hs_err) ends with SIGABRT; SIGSEGV, SIGBUS, SIGILL and SIGFPE are native faults.
     */
    static boolean isCrash(WorkerDiedException died) {
        int signal = died.signal();
        return signal == 4 || signal == 6 || signal == 7 || signal == 8 || signal == 11;
    }

    static String chain(Throwable error) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = error; t != null && text.length() < 600; t = t.getCause()) {
            if (text.length() > 0) {
                text.append(" <- ");
            }
            text.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
            if (t.getCause() == t) {
                break;
            }
        }
        return text.toString();
    }
}
