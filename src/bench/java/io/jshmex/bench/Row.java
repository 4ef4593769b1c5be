package io.jshmex.bench;

/** One result: a case, a contender, an optional size, and the summary of its samples. */
final class Row {
    final String caseName;
    final String contender;
    /** Elements (or items); 0 when the case has one size only, given in its title. */
    final long size;
    final String metric;
    /** Unit of the stored values: ms, tasks/s, items/s or MB. */
    final String unit;
    final Stats stats;
    final boolean higherIsBetter;

    Row(String caseName, String contender, long size, String metric, String unit, Stats stats, boolean higherIsBetter) {
        this.caseName = caseName;
        this.contender = contender;
        this.size = size;
        this.metric = metric;
        this.unit = unit;
        this.stats = stats;
        this.higherIsBetter = higherIsBetter;
    }
}
