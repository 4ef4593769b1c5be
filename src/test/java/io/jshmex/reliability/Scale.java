package io.jshmex.reliability;

import java.time.Duration;

/**
 * The suite's two sizes. The default (short) form runs in {@code mvn -B verify} within a couple of
 * minutes; {@code -Djshmex.reliability=long} scales every count up to the numbers the suite is
 * meant to prove (100 SIGKILLs, 1,000 throwing tasks, 10,000 stress tasks over two minutes, ...).
 * Every count goes through {@link #of}, so that both forms differ only in numbers.
 */
public final class Scale {
    public static final String PROPERTY = "jshmex.reliability";

    private Scale() {
    }

    public static boolean isLong() {
        return "long".equalsIgnoreCase(System.getProperty(PROPERTY, "short").trim());
    }

    public static String form() {
        return isLong() ? "long" : "short";
    }

    public static int of(int shortCount, int longCount) {
        return isLong() ? longCount : shortCount;
    }

    public static long of(long shortCount, long longCount) {
        return isLong() ? longCount : shortCount;
    }

    public static Duration of(Duration shortTime, Duration longTime) {
        return isLong() ? longTime : shortTime;
    }
}
