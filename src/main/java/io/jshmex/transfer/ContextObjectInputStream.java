package io.jshmex.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectStreamClass;

/**
 * An object input stream that, when the default class lookup fails, tries the thread's context
 * class loader: applications with their own loaders (servers, plugins) get their classes back.
 */
public class ContextObjectInputStream extends ObjectInputStream {
    public ContextObjectInputStream(InputStream in) throws IOException {
        super(in);
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
        try {
            return super.resolveClass(desc);
        } catch (ClassNotFoundException e) {
            ClassLoader context = Thread.currentThread().getContextClassLoader();
            if (context == null) {
                throw e;
            }
            return Class.forName(desc.getName(), false, context);
        }
    }
}
