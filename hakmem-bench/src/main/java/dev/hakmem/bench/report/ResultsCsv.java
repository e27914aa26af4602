package dev.hakmem.bench.report;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code results.csv}: one line per measured run, blank where a column does not apply. */
public final class ResultsCsv {

    /** The header, exactly. */
    public static final String HEADER =
            "driver,params,allocator,run,ops_per_sec,ns_per_op,rss_peak_kib,rss_end_kib,mmap_calls,munmap_calls,madvise_calls";

    private ResultsCsv() {}

    /** Creates {@code file} with just the header, replacing any old one. */
    public static void create(Path file) throws IOException {
        Files.writeString(file, HEADER + "\n", StandardCharsets.UTF_8);
    }

    /** Appends {@code rows} to {@code file}. */
    public static void append(Path file, List<ResultRow> rows) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
            for (ResultRow r : rows) {
                w.write(line(r));
                w.write('\n');
            }
        }
    }

    /** One row as a CSV line. Parameters never contain commas (they are space-separated). */
    public static String line(ResultRow r) {
        return String.join(",", field(r.driver()), field(r.params()), field(r.allocator()), Integer.toString(r.run()),
                String.format(Locale.ROOT, "%.1f", r.opsPerSec()),
                String.format(Locale.ROOT, "%.3f", r.nsPerOp()),
                r.rssPeakKiB() < 0 ? "" : Long.toString(r.rssPeakKiB()),
                Long.toString(r.rssEndKiB()),
                optional(r.mmapCalls()), optional(r.munmapCalls()), optional(r.madviseCalls()));
    }

    /** Reads the rows of a file this class wrote. */
    public static List<ResultRow> read(Path file) throws IOException {
        List<ResultRow> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            throw new IOException(file + " does not start with the results header");
        }
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",", -1);
            if (f.length != 11) {
                throw new IOException("bad line in " + file + ": " + line);
            }
            rows.add(new ResultRow(f[0], f[1], f[2], Integer.parseInt(f[3]), Double.parseDouble(f[4]),
                    Double.parseDouble(f[5]), f[6].isEmpty() ? -1 : Long.parseLong(f[6]),
                    f[7].isEmpty() ? 0 : Long.parseLong(f[7]), parse(f[8]), parse(f[9]), parse(f[10]), null));
        }
        return rows;
    }

    private static String field(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }

    private static String optional(Long v) {
        return v == null ? "" : Long.toString(v);
    }

    private static Long parse(String s) {
        return s.isEmpty() ? null : Long.valueOf(s);
    }
}
