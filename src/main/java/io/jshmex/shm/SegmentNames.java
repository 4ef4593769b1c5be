package io.jshmex.shm;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Segment names. Generated names are {@code jshmex_<pid>_<10 random base-36 characters>}: the
 * prefix lets {@code list()} and {@code clear()} find this library's segments, the pid lets
 * {@code clearOrphans()} tell those of dead processes, and the whole stays under macOS's limit of
 * 31 characters (with the leading slash POSIX adds).
 */
public final class SegmentNames {
    public static final String PREFIX = "jshmex_";
    /** The longest user-given name: NAME_MAX on Linux less room for the slash. */
    public static final int MAX_LENGTH = 250;
    /** The longest generated name: macOS allows 31 characters, the slash included. */
    public static final int PORTABLE_MAX_LENGTH = 30;

    private static final int RANDOM_CHARS = 10;

    private SegmentNames() {
    }

    public static String generate() {
        return generate(Shm.pid());
    }

    static String generate(long pid) {
        StringBuilder name = new StringBuilder(PORTABLE_MAX_LENGTH).append(PREFIX).append(pid).append('_');
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < RANDOM_CHARS; i++) {
            name.append(Character.forDigit(random.nextInt(36), 36));
        }
        return name.toString();
    }

    /**
     * Checks a user-given name.
     *
     * @throws IllegalArgumentException if it is null, empty, longer than {@link #MAX_LENGTH},
     *     contains '/' or a NUL, or is "." or ".."
     */
    public static String validate(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("segment name must not be empty");
        }
        if (name.indexOf('/') >= 0) {
            throw new IllegalArgumentException("segment name '" + name
                + "' contains '/': give a plain name such as 'results', without a path or a leading slash");
        }
        if (name.indexOf('\0') >= 0 || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("segment name '" + name.replace("\0", "\\0") + "' is not a valid file name");
        }
        if (name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("segment name is " + name.length() + " characters long; at most "
                + MAX_LENGTH + " are allowed (" + PORTABLE_MAX_LENGTH + " on macOS)");
        }
        return name;
    }

    public static boolean isOurs(String name) {
        return name.startsWith(PREFIX);
    }

    /** The creator pid a generated name carries, or -1 if the name is not of that form. */
    public static long creatorPid(String name) {
        if (!isOurs(name)) {
            return -1;
        }
        int end = name.indexOf('_', PREFIX.length());
        if (end <= PREFIX.length()) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(PREFIX.length(), end));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
