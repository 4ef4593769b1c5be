package io.jshmex.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The size sweep as an SVG line chart, log-log: one line per contender through the medians, a
 * bar from min to max at each size. Plain SVG text, so that it needs no library and renders on
 * GitHub.
 */
final class SweepChart {
    private static final int WIDTH = 860;
    private static final int HEIGHT = 574;
    private static final int LEFT = 92;
    private static final int RIGHT = WIDTH - 28;
    private static final int TOP = 92;
    private static final int BOTTOM = HEIGHT - 92;
    private static final String[] COLORS = {"#1f6fb4", "#d1495b", "#2e9e5b", "#8a5cc2", "#e08a1e"};

    private SweepChart() {
    }

    /**
     * @param rows the sweep's rows (sizes in elements, values in ms)
     * @param subtitles what ran, where and when: one line each
     */
    static String svg(List<Row> rows, String title, String... subtitles) {
        Map<String, List<Row>> lines = new LinkedHashMap<>();
        for (Row row : rows) {
            lines.computeIfAbsent(row.contender, k -> new ArrayList<>()).add(row);
        }
        double minX = Double.MAX_VALUE;
        double maxX = 0;
        double minY = Double.MAX_VALUE;
        double maxY = 0;
        for (Row row : rows) {
            minX = Math.min(minX, row.size);
            maxX = Math.max(maxX, row.size);
            minY = Math.min(minY, row.stats.min);
            maxY = Math.max(maxY, row.stats.max);
        }
        int x0 = (int) Math.floor(Math.log10(minX));
        int x1 = (int) Math.ceil(Math.log10(maxX));
        int y0 = (int) Math.floor(Math.log10(minY));
        int y1 = (int) Math.ceil(Math.log10(maxY));
        if (x1 == x0) {
            x1++;
        }
        if (y1 == y0) {
            y1++;
        }
        Axis xAxis = new Axis(x0, x1, LEFT, RIGHT);
        Axis yAxis = new Axis(y0, y1, BOTTOM, TOP);

        StringBuilder svg = new StringBuilder();
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            + "viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"13\">%n",
            WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n", WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"30\" font-size=\"18\" font-weight=\"bold\">%s</text>%n",
            LEFT, esc(title)));
        for (int i = 0; i < subtitles.length; i++) {
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#555555\">%s</text>%n",
                LEFT, 50 + 16 * i, esc(subtitles[i])));
        }

        // grid: minor lines at 2..9 of each decade, major lines with labels at each decade
        svg.append("<g stroke=\"#eeeeee\" stroke-width=\"1\">\n");
        for (int d = x0; d < x1; d++) {
            for (int m = 2; m <= 9; m++) {
                double x = xAxis.at(m * Math.pow(10, d));
                svg.append(line(x, TOP, x, BOTTOM));
            }
        }
        for (int d = y0; d < y1; d++) {
            for (int m = 2; m <= 9; m++) {
                double y = yAxis.at(m * Math.pow(10, d));
                svg.append(line(LEFT, y, RIGHT, y));
            }
        }
        svg.append("</g>\n<g stroke=\"#cccccc\" stroke-width=\"1\">\n");
        for (int d = x0; d <= x1; d++) {
            double x = xAxis.at(Math.pow(10, d));
            svg.append(line(x, TOP, x, BOTTOM));
        }
        for (int d = y0; d <= y1; d++) {
            double y = yAxis.at(Math.pow(10, d));
            svg.append(line(LEFT, y, RIGHT, y));
        }
        svg.append("</g>\n");
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
            + "stroke=\"#333333\"/>%n", LEFT, TOP, RIGHT - LEFT, BOTTOM - TOP));

        svg.append("<g fill=\"#333333\">\n");
        for (int d = x0; d <= x1; d++) {
            double x = xAxis.at(Math.pow(10, d));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                x, BOTTOM + 20, esc(countLabel(d))));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\" "
                + "fill=\"#777777\">%s</text>%n", x, BOTTOM + 36, esc(bytesLabel(d + Math.log10(8)))));
        }
        for (int d = y0; d <= y1; d++) {
            double y = yAxis.at(Math.pow(10, d));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                LEFT - 8, y + 4, esc(timeLabel(d))));
        }
        svg.append("</g>\n");
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\">"
            + "array size: doubles (bytes below)</text>%n", (LEFT + RIGHT) / 2, BOTTOM + 62));
        svg.append(String.format(Locale.ROOT, "<text x=\"24\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\" "
            + "transform=\"rotate(-90 24 %d)\">round trip time (median; bars: min-max)</text>%n",
            (TOP + BOTTOM) / 2, (TOP + BOTTOM) / 2));

        int index = 0;
        for (Map.Entry<String, List<Row>> entry : lines.entrySet()) {
            String color = COLORS[index % COLORS.length];
            List<Row> points = entry.getValue();
            points.sort((a, b) -> Long.compare(a.size, b.size));
            StringBuilder path = new StringBuilder();
            for (Row p : points) {
                path.append(path.length() == 0 ? "" : " ")
                    .append(String.format(Locale.ROOT, "%.1f,%.1f", xAxis.at(p.size), yAxis.at(p.stats.median)));
            }
            svg.append(String.format(Locale.ROOT, "<g stroke=\"%s\" fill=\"%s\">%n", color, color));
            svg.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke-width=\"2.2\"/>%n", path));
            // whiskers of different contenders at one size would hide each other: shift them apart
            double dodge = (index - (lines.size() - 1) / 2.0) * 5;
            for (Row p : points) {
                double x = xAxis.at(p.size) + dodge;
                double lo = yAxis.at(p.stats.min);
                double hi = yAxis.at(p.stats.max);
                svg.append(line(x, lo, x, hi).replace("/>", " stroke-width=\"1.4\"/>"));
                svg.append(line(x - 4, lo, x + 4, lo).replace("/>", " stroke-width=\"1.4\"/>"));
                svg.append(line(x - 4, hi, x + 4, hi).replace("/>", " stroke-width=\"1.4\"/>"));
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.6\"/>%n",
                    xAxis.at(p.size), yAxis.at(p.stats.median)));
            }
            svg.append("</g>\n");
            double ly = TOP + 22 + 22 * index;
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"26\" height=\"4\" fill=\"%s\"/>%n",
                LEFT + 16, ly - 6, color));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\">%s</text>%n", LEFT + 50, ly, esc(entry.getKey())));
            index++;
        }
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"170\" height=\"%d\" fill=\"none\" "
            + "stroke=\"#bbbbbb\"/>%n", LEFT + 8, TOP + 8, 22 * index + 8));
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static String line(double x1, double y1, double x2, double y2) {
        return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>%n", x1, y1, x2, y2);
    }

    static String countLabel(int decade) {
        String[] names = {"1", "10", "100", "1k", "10k", "100k", "1M", "10M", "100M", "1G", "10G"};
        return decade >= 0 && decade < names.length ? names[decade] : "1e" + decade;
    }

    /** Bytes of 10^log10 elements of 8 bytes, as 8 KB, 80 MB, ... */
    static String bytesLabel(double log10) {
        double bytes = Math.pow(10, log10);
        String[] units = {"B", "KB", "MB", "GB", "TB"};
        int u = 0;
        while (bytes >= 999.5 && u < units.length - 1) {
            bytes /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.0f %s", bytes, units[u]);
    }

    /** 10^decade milliseconds, as 10 µs, 1 ms, 10 s, ... */
    static String timeLabel(int decade) {
        if (decade < -3) {
            return String.format(Locale.ROOT, "1e%d ms", decade);
        }
        if (decade < 0) {
            return (int) Math.round(Math.pow(10, decade + 3)) + " µs";
        }
        if (decade < 3) {
            return (int) Math.round(Math.pow(10, decade)) + " ms";
        }
        return Math.round(Math.pow(10, decade - 3)) + " s";
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** Log scale from decade lo to decade hi onto pixels a..b. */
    private static final class Axis {
        final int lo;
        final int hi;
        final double a;
        final double b;

        Axis(int lo, int hi, double a, double b) {
            this.lo = lo;
            this.hi = hi;
            this.a = a;
            this.b = b;
        }

        double at(double value) {
            return a + (Math.log10(value) - lo) / (hi - lo) * (b - a);
        }
    }
}
