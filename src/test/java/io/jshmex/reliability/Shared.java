package io.jshmex.reliability;

import io.jshmex.shm.Mapping;
import io.jshmex.shm.Views;
import java.nio.Buffer;
import java.nio.IntBuffer;

/**
 * Flags in a NativeShm buffer: it travels to a task by name, so the parent and the worker see the
 * same memory, which lets a test tell a task to stop, and learn that it started, without any
 * channel of the library.
 */
final class Shared {
    private Shared() {
    }

    /** The segment behind a NativeShm buffer: the test holds it, it is not a leak. */
    static String segmentOf(Buffer buffer) {
        Mapping mapping = Mapping.containing(Views.address(buffer));
        if (mapping == null) {
            throw new IllegalArgumentException("not a shared-memory buffer: " + buffer);
        }
        return mapping.name();
    }

    /** Waits until {@code flags[index]} is non-zero; false after {@code millis}. */
    static boolean await(IntBuffer flags, int index, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (flags.get(index) == 0) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    /** In a worker: spins until {@code flags[index]} is non-zero (never, for a task to be killed). */
    static void spinUntil(IntBuffer flags, int index) throws InterruptedException {
        while (flags.get(index) == 0) {
            Thread.sleep(1);
        }
    }
}
