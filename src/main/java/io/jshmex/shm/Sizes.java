package io.jshmex.shm;

import java.util.Locale;

/** Byte counts for people: "160.0 MB". */
public final class Sizes {
    private Sizes() {
    }

    public static String format(long bytes) {
        if (bytes < 1000) {
            return bytes + " bytes";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1000 && unit < units.length - 1) {
            value /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s (%d bytes)", value, units[unit], bytes);
    }
}
