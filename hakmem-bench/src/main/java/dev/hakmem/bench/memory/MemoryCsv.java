package dev.hakmem.bench.memory;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The memory suite's two CSV files.
 * <ul>
 * <li>{@code results.csv}: one row per JVM, {@link #RESULTS_HEADER}. All MiB figures except
 *     {@code peak_live_mib} and {@code baseline_mib} are RSS minus that JVM's baseline;
 *     {@code after_trim_mib} is empty where the allocator has no trim.</li>
 * <li>{@code series.csv}: one row per sample, {@link #SERIES_HEADER}: seconds since the JVM's
 *     baseline, live MiB, RSS minus the baseline in MiB.</li>
 * </ul>
 */
final class MemoryCsv {

    static final String RESULTS_HEADER = "driver,allocator,fork,peak_rss_over_live,peak_rss_mib,peak_live_mib,"
            + "after_free_mib,after_trim_mib,trim,baseline_mib,run_s,allocations";
    static final String SERIES_HEADER = "time_s,driver,allocator,fork,live_mib,rss_mib";

    private MemoryCsv() {}

    /** Creates {@code file} with the header of results.csv. */
    static void createResults(Path file) throws IOException {
        Files.writeString(file, RESULTS_HEADER + "\n", StandardCharsets.UTF_8);
    }

    /** Appends one JVM's row to results.csv. */
    static void appendResult(Path file, MemoryResult r) throws IOException {
        String row = String.join(",", field(r.driver()), field(r.allocator()), Integer.toString(r.fork()),
                num(r.peakRssOverLive(), 4), num(r.peakRssMiB(), 2), num(r.peakLiveMiB(), 2), num(r.afterFreeMiB(), 2),
                num(r.afterTrimMiB(), 2), field(r.trim()), num(r.baselineKiB() / 1024.0, 2), num(r.runMs() / 1000.0, 3),
                Long.toString(r.allocations()));
        Files.writeString(file, row + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
    }

    /** Creates {@code file} with the header of series.csv. */
    static void createSeries(Path file) throws IOException {
        Files.writeString(file, SERIES_HEADER + "\n", StandardCharsets.UTF_8);
    }

    /** Appends one JVM's samples to series.csv. */
    static void appendSeries(Path file, Series s) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND)) {
            for (long[] x : s.samples()) {
                w.write(num(x[0] / 1000.0, 3));
                w.write(',');
                w.write(field(s.driver()));
                w.write(',');
                w.write(field(s.allocator()));
                w.write(',');
                w.write(Integer.toString(s.fork()));
                w.write(',');
                w.write(num(x[1] / 1048576.0, 3));
                w.write(',');
                w.write(num((x[2] - s.baselineKiB()) / 1024.0, 3));
                w.write('\n');
            }
        }
    }

    /** A number with {@code decimals} places, or empty for NaN. */
    static String num(double v, int decimals) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** {@code s}, quoted (quotes doubled) if it holds a comma, a quote or a line break. */
    static String field(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /** Splits one CSV line into its fields (quoted fields as {@link #field} writes them). */
    static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    b.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    b.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(b.toString());
                b.setLength(0);
            } else {
                b.append(c);
            }
        }
        out.add(b.toString());
        return out;
    }
}
