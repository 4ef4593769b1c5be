package io.jshmex.testing;

import java.util.function.BooleanSupplier;

/** Waits for what the garbage collector and the cleaners do, without a fixed sleep. */
public final class Gc {
    private static final long PATIENCE_MS = 10_000;

    private Gc() {
    }

    /** Collects garbage until {@code condition} holds; false if it still does not after 10 s. */
    public static boolean until(BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + PATIENCE_MS;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return condition.getAsBoolean();
            }
        }
        return true;
    }

    /**
     * Collects a few times and gives the cleaner thread a moment: used before asserting that
     * something did NOT happen, where there is no event to wait for.
     */
    public static void settle() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
