package io.jshmex.transfer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.invoke.SerializedLambda;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A lambda or method reference that captures nothing, as it travels: its serialized form, made
 * once per function by the sender, and decoded once per function by the receiver, which hands out
 * that same instance afterwards. Such a function has no state, so one instance is as good as a
 * fresh one; reading a serialized lambda is most of the cost of a small task's message.
 */
final class StatelessLambda implements Serializable {
    private static final long serialVersionUID = 1L;
    /** More distinct functions than this in one process means something generates them: stop caching. */
    private static final int MAX_CACHED = 4096;
    private static final Map<String, StatelessLambda> ENCODED = new ConcurrentHashMap<>();
    private static final Map<StatelessLambda, Object> DECODED = new ConcurrentHashMap<>();

    private final byte[] form;
    private transient int hash;

    private StatelessLambda(byte[] form) {
        this.form = form;
    }

    /** The travelling form of {@code lambda}, or null if it captures something. */
    static StatelessLambda of(SerializedLambda lambda) throws IOException {
        if (lambda.getCapturedArgCount() != 0) {
            return null;
        }
        String key = lambda.getCapturingClass() + ' ' + lambda.getImplClass() + ' ' + lambda.getImplMethodKind() + ' '
            + lambda.getImplMethodName() + lambda.getImplMethodSignature() + ' ' + lambda.getFunctionalInterfaceClass()
            + ' ' + lambda.getFunctionalInterfaceMethodName() + lambda.getFunctionalInterfaceMethodSignature() + ' '
            + lambda.getInstantiatedMethodType();
        StatelessLambda known = ENCODED.get(key);
        if (known != null) {
            return known;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(lambda);
        }
        StatelessLambda made = new StatelessLambda(bytes.toByteArray());
        if (ENCODED.size() < MAX_CACHED) {
            ENCODED.put(key, made);
        }
        return made;
    }

    /** The function itself: decoded the first time this form is seen, the same instance after. */
    Object resolve() throws IOException {
        Object known = DECODED.get(this);
        if (known != null) {
            return known;
        }
        Object function;
        try (ObjectInputStream in = new ContextObjectInputStream(new ByteArrayInputStream(form))) {
            function = in.readObject();
        } catch (ClassNotFoundException e) {
            InvalidObjectException invalid = new InvalidObjectException("cannot read a function: " + e.getMessage());
            invalid.initCause(e);
            throw invalid;
        }
        if (DECODED.size() < MAX_CACHED) {
            DECODED.put(this, function);
        }
        return function;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StatelessLambda && Arrays.equals(form, ((StatelessLambda) other).form);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Arrays.hashCode(form);
            hash = h;
        }
        return h;
    }
}
