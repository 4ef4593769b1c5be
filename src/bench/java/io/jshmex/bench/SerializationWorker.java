package io.jshmex.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.function.Function;

/**
 * The child process of {@link SerializationPool}: reads a function and its argument from stdin,
 * writes {@code ok} and the result (or the exception) to stdout, one task at a time, until stdin
 * ends (the pool closed or the parent died).
 */
public final class SerializationWorker {
    private SerializationWorker() {
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        FileOutputStream stdout = new FileOutputStream(FileDescriptor.out);
        // stdout is the channel: a task's own printing must not land in the middle of it
        System.setOut(System.err);
        ObjectOutputStream out = new ObjectOutputStream(new BufferedOutputStream(stdout, SerializationPool.BUFFER_BYTES));
        out.flush();
        ObjectInputStream in;
        try {
            in = new ObjectInputStream(new BufferedInputStream(new FileInputStream(FileDescriptor.in),
                SerializationPool.BUFFER_BYTES));
        } catch (EOFException closedBeforeUse) {
            return;
        }
        while (true) {
            Object fn;
            try {
                fn = in.readObject();
            } catch (EOFException parentGone) {
                return;
            }
            Object arg = in.readObject();
            boolean ok;
            Object result;
            try {
                result = ((Function<Object, Object>) fn).apply(arg);
                ok = true;
            } catch (Throwable t) {
                result = t;
                ok = false;
            }
            out.writeBoolean(ok);
            out.writeObject(result);
            out.flush();
            out.reset();
        }
    }
}
