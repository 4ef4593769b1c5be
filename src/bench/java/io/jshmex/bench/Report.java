package io.jshmex.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The results of one run: printed as tables, written as CSV and JSON. */
final class Report {
    private final List<Row> rows = new ArrayList<>();
    private final Map<String, String> titles = new LinkedHashMap<>();
    private final Map<String, String> notes = new LinkedHashMap<>();

    void title(String caseName, String title) {
        titles.put(caseName, title);
    }

    void note(String caseName, String note) {
        notes.merge(caseName, note, (a, b) -> a + "\n" + b);
    }

    void add(Row row) {
        rows.add(row);
    }

    List<Row> rows(String caseName) {
        List<Row> found = new ArrayList<>();
        for (Row row : rows) {
            if (row.caseName.equals(caseName)) {
                found.add(row);
            }
        }
        return found;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    /**
     * One table per case, in the order the cases were titled: median, min-max and the ratio of
     * medians to the serialization pool of the same case (and size).
     */
    void print(PrintStream out) {
        for (Map.Entry<String, String> entry : titles.entrySet()) {
            List<Row> caseRows = rows(entry.getKey());
            if (caseRows.isEmpty()) {
                continue;
            }
            out.println();
            out.println(entry.getKey() + ": " + entry.getValue());
            printRows(out, caseRows);
            String note = notes.get(entry.getKey());
            if (note != null) {
                for (String line : note.split("\n")) {
                    out.println("  " + line);
                }
            }
        }
    }

    private void printRows(PrintStream out, List<Row> caseRows) {
        boolean sized = caseRows.stream().anyMatch(r -> r.size > 0);
        boolean p99 = caseRows.stream().anyMatch(r -> r.metric.equals("latency"));
        boolean memory = caseRows.stream().anyMatch(r -> r.metric.equals("peak_pss"));
        List<String[]> lines = new ArrayList<>();
        List<String> header = new ArrayList<>();
        if (sized) {
            header.add("size");
        }
        header.add("contender");
        header.add("median");
        header.add("min-max");
        if (p99) {
            header.add("p99");
        }
        header.add("vs serialization");
        if (memory) {
            header.add("x array");
        }
        header.add("n");
        lines.add(header.toArray(new String[0]));
        for (Row row : caseRows) {
            List<String> cells = new ArrayList<>();
            if (sized) {
                cells.add(row.size > 0 ? sizeLabel(row.size) : "");
            }
            cells.add(row.contender + (row.metric.equals("idle_pss") ? " (idle)" : ""));
            Stats s = row.stats;
            cells.add(value(row.unit, s.median));
            cells.add("(" + range(row.unit, s.min, s.max, s.median) + ")");
            if (p99) {
                cells.add(row.metric.equals("latency") ? value(row.unit, s.p99) : "");
            }
            Row base = baseline(caseRows, row);
            cells.add(base == null ? "" : ratio(s.median / base.stats.median));
            if (memory) {
                cells.add(row.size > 0 ? String.format(Locale.ROOT, "%.2fx", s.median * 1e6 / (row.size * 8.0)) : "");
            }
            cells.add(Integer.toString(s.n));
            lines.add(cells.toArray(new String[0]));
        }
        int[] widths = new int[lines.get(0).length];
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        int medianColumn = header.indexOf("median");
        for (String[] line : lines) {
            StringBuilder text = new StringBuilder(" ");
            for (int i = 0; i < line.length; i++) {
                String pad = " ".repeat(widths[i] - line[i].length());
                text.append("  ").append(i == medianColumn ? pad + line[i] : line[i] + pad);
            }
            out.println(text.toString().stripTrailing());
        }
    }

    /** The serialization pool's row for the same case, metric and size. */
    private static Row baseline(List<Row> caseRows, Row row) {
        for (Row other : caseRows) {
            if (other.contender.startsWith(Contender.SERIALIZATION) && other.metric.equals(row.metric)
                && other.size == row.size) {
                return other;
            }
        }
        return null;
    }

    static String ratio(double ratio) {
        return String.format(Locale.ROOT, ratio < 0.1 ? "%.3fx" : "%.2fx", ratio);
    }

    static String sizeLabel(long n) {
        if (n >= 1_000_000 && n % 1_000_000 == 0) {
            return (n / 1_000_000) + "M";
        }
        if (n >= 1_000 && n % 1_000 == 0) {
            return (n / 1_000) + "k";
        }
        return Long.toString(n);
    }

    /** A value with its unit, three significant digits; times pick µs, ms or s. */
    static String value(String unit, double v) {
        if (unit.equals("ms")) {
            if (v < 1) {
                return sig(v * 1000) + " µs";
            }
            if (v >= 1000) {
                return sig(v / 1000) + " s";
            }
            return sig(v) + " ms";
        }
        if (unit.equals("MB")) {
            return String.format(Locale.ROOT, "%.0f MB", v);
        }
        return (v >= 1000 ? String.format(Locale.ROOT, "%,.0f", v) : sig(v)) + " " + unit;
    }

    /** min-max in the unit the median is shown in. */
    static String range(String unit, double min, double max, double median) {
        if (unit.equals("ms")) {
            double scale = median < 1 ? 1000 : median >= 1000 ? 1.0 / 1000 : 1;
            return sig(min * scale) + "-" + sig(max * scale);
        }
        if (unit.equals("MB")) {
            return String.format(Locale.ROOT, "%.0f-%.0f", min, max);
        }
        return (max >= 1000 ? String.format(Locale.ROOT, "%,.0f-%,.0f", min, max) : sig(min) + "-" + sig(max));
    }

    static String sig(double v) {
        double a = Math.abs(v);
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    void writeCsv(Path file) throws IOException {
        StringBuilder csv = new StringBuilder("case,contender,size,metric,unit,better,median,min,max,p99,n\n");
        for (Row row : rows) {
            csv.append(csvCell(row.caseName)).append(',')
                .append(csvCell(row.contender)).append(',')
                .append(row.size > 0 ? Long.toString(row.size) : "").append(',')
                .append(row.metric).append(',')
                .append(csvCell(row.unit)).append(',')
                .append(row.higherIsBetter ? "higher" : "lower").append(',')
                .append(num(row.stats.median)).append(',')
                .append(num(row.stats.min)).append(',')
                .append(num(row.stats.max)).append(',')
                .append(row.metric.equals("latency") ? num(row.stats.p99) : "").append(',')
                .append(row.stats.n).append('\n');
        }
        Files.writeString(file, csv.toString(), StandardCharsets.UTF_8);
    }

    void writeJson(Path file, Map<String, String> run) throws IOException {
        StringBuilder json = new StringBuilder("{\n  \"run\": {");
        boolean first = true;
        for (Map.Entry<String, String> entry : run.entrySet()) {
            json.append(first ? "\n" : ",\n").append("    ").append(jsonString(entry.getKey())).append(": ")
                .append(jsonString(entry.getValue()));
            first = false;
        }
        json.append("\n  },\n  \"cases\": {");
        first = true;
        for (Map.Entry<String, String> entry : titles.entrySet()) {
            if (rows(entry.getKey()).isEmpty()) {
                continue;
            }
            json.append(first ? "\n" : ",\n").append("    ").append(jsonString(entry.getKey())).append(": ")
                .append(jsonString(entry.getValue()));
            first = false;
        }
        json.append("\n  },\n  \"results\": [");
        first = true;
        for (Row row : rows) {
            json.append(first ? "\n" : ",\n").append("    {\"case\": ").append(jsonString(row.caseName))
                .append(", \"contender\": ").append(jsonString(row.contender))
                .append(", \"size\": ").append(row.size > 0 ? Long.toString(row.size) : "null")
                .append(", \"metric\": ").append(jsonString(row.metric))
                .append(", \"unit\": ").append(jsonString(row.unit))
                .append(", \"better\": ").append(jsonString(row.higherIsBetter ? "higher" : "lower"))
                .append(", \"median\": ").append(num(row.stats.median))
                .append(", \"min\": ").append(num(row.stats.min))
                .append(", \"max\": ").append(num(row.stats.max))
                .append(", \"p99\": ").append(row.metric.equals("latency") ? num(row.stats.p99) : "null")
                .append(", \"n\": ").append(row.stats.n).append('}');
            first = false;
        }
        json.append("\n  ]\n}\n");
        Files.writeString(file, json.toString(), StandardCharsets.UTF_8);
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.6g", v);
    }

    private static String csvCell(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    static String jsonString(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\t': out.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        return out.append('"').toString();
    }
}
