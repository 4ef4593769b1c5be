package io.jshmex.pool;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Copies a worker's stdout or stderr into the parent's {@code System.out} or {@code System.err},
 * as it comes, and keeps the last few kilobytes for error messages ("its last output was ...").
 */
final class OutputPump implements Runnable {
    private static final int TAIL_BYTES = 2048;

    private final InputStream from;
    private final boolean toErr;
    private final byte[] tail = new byte[TAIL_BYTES];
    private int tailLength;
    private int tailStart;

    private OutputPump(InputStream from, boolean toErr) {
        this.from = from;
        this.toErr = toErr;
    }

    static OutputPump start(InputStream from, boolean toErr, String name) {
        OutputPump pump = new OutputPump(from, toErr);
        Thread thread = new Thread(pump, name);
        thread.setDaemon(true);
        thread.start();
        return pump;
    }

    @Override
    public void run() {
        byte[] buffer = new byte[8192];
        try {
            for (int n = from.read(buffer); n >= 0; n = from.read(buffer)) {
                PrintStream to = toErr ? System.err : System.out;
                to.write(buffer, 0, n);
                to.flush();
                remember(buffer, n);
            }
        } catch (IOException ignored) {
            // the worker is gone
        }
    }

    private synchronized void remember(byte[] buffer, int n) {
        for (int i = Math.max(0, n - TAIL_BYTES); i < n; i++) {
            tail[(tailStart + tailLength) % TAIL_BYTES] = buffer[i];
            if (tailLength < TAIL_BYTES) {
                tailLength++;
            } else {
                tailStart = (tailStart + 1) % TAIL_BYTES;
            }
        }
    }

    /** The last output, trimmed, or "" if none. */
    synchronized String tail() {
        byte[] ordered = new byte[tailLength];
        for (int i = 0; i < tailLength; i++) {
            ordered[i] = tail[(tailStart + i) % TAIL_BYTES];
        }
        return new String(ordered, StandardCharsets.UTF_8).trim();
    }
}
