package io.jshmex.bench;

import java.util.Arrays;

/** A growable list of doubles: samples are kept raw and summarised at the end. */
final class Samples {
    private double[] values = new double[16];
    private int size;

    void add(double value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = value;
    }

    int size() {
        return size;
    }

    double[] toArray() {
        return Arrays.copyOf(values, size);
    }

    Stats stats() {
        return Stats.of(toArray());
    }
}
