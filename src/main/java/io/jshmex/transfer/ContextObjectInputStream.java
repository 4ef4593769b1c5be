package io.jshmex.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectStreamClass;
import java.util.HashMap;
import java.util.Map;

/**
 * An object input stream that, when the default class lookup fails, tries the thread's context
 * class loader: applications with their own loaders (servers, plugins) get their classes back.
 * Classes found are remembered by name for the life of the stream, so a stream kept for many
 * messages looks each class up once.
 */
public class ContextObjectInputStream extends ObjectInputStream {
    private final Map<String, Class<?>> resolved = new HashMap<>();

    public ContextObjectInputStream(InputStream in) throws IOException {
        super(in);
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
        Class<?> known = resolved.get(desc.getName());
        if (known != null) {
            return known;
        }
        Class<?> type;
        try {
            type = super.resolveClass(desc);
        } catch (ClassNotFoundException e) {
            ClassLoader context = Thread.currentThread().getContextClassLoader();
            if (context == null) {
                throw e;
            }
            type = Class.forName(desc.getName(), false, context);
        }
        resolved.put(desc.getName(), type);
        return type;
    }
}
