package dev.hakmem.bench.arrow;

import dev.hakmem.bench.report.Median;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/** The arrow suite's data: parsing {@link ArrowMain}'s output, medians, the CSV, the tables and the report. */
public final class ArrowResults {

    private ArrowResults() {}

    /**
     * One measured run.
     *
     * @param nanos    wall time
     * @param cpuNanos CPU time of the whole JVM during the run (all threads: GC, JIT, hakmem's decay thread)
     */
    public record Run(String caseLabel, String manager, int fork, int run, long ops, long nanos, long checksum, long cpuNanos) {
        /** Operations per second of wall time. */
        public double opsPerSec() {
            return ops * 1e9 / nanos;
        }

        /** Operations per second of the process's CPU time: what the work cost, however busy the machine was. */
        public double opsPerCpuSec() {
            return ops * 1e9 / cpuNanos;
        }
    }

    /**
     * One JVM's memory.
     *
     * @param peakKiB      {@code VmHWM} at the end of the measured runs
     * @param endKiB       {@code VmRSS} right after the root allocator was closed (everything released)
     * @param idleKiB      {@code VmRSS} after {@link ArrowMain#IDLE_MS} more of idling
     * @param arrowPeak    the peak of Arrow's accounting, bytes (the same for every manager)
     */
    public record Memory(String caseLabel, String manager, int fork, long peakKiB, long endKiB, long idleKiB, long arrowPeak) {}

    /** What one JVM reported. */
    public record Fork(List<Run> runs, Memory memory) {}

    /** Medians of one manager on one case, over its runs (throughput) and JVMs (memory). */
    public record Line(String manager, int jvms, double opsPerSec, double opsPerCpuSec, double peakMiB, double endMiB,
                       double idleMiB) {}

    /** One case, a {@link Line} per manager (absent when it has no result). */
    public record Summary(ArrowCase c, Map<String, Line> lines) {

        /** hakmem's throughput (wall time) over the best of the other managers', or NaN. */
        public double ratio() {
            return ratio(Line::opsPerSec);
        }

        /** hakmem's throughput per CPU-second over the best of the other managers', or NaN. */
        public double cpuRatio() {
            return ratio(Line::opsPerCpuSec);
        }

        private double ratio(ToDoubleFunction<Line> metric) {
            Line h = lines.get("hakmem");
            String best = bestOther(metric);
            return h == null || best == null ? Double.NaN : metric.applyAsDouble(h) / metric.applyAsDouble(lines.get(best));
        }

        /** The manager other than hakmem with the highest throughput (wall time), or null. */
        public String bestOther() {
            return bestOther(Line::opsPerSec);
        }

        /** The manager other than hakmem with the highest throughput per CPU-second, or null. */
        public String bestOtherCpu() {
            return bestOther(Line::opsPerCpuSec);
        }

        private String bestOther(ToDoubleFunction<Line> metric) {
            String best = null;
            for (Line l : lines.values()) {
                if (ArrowManagers.isPeer(l.manager())
                        && (best == null || metric.applyAsDouble(l) > metric.applyAsDouble(lines.get(best)))) {
                    best = l.manager();
                }
            }
            return best;
        }

        /** hakmem's peak RSS minus the lowest peak RSS of the other managers, MiB, or NaN. */
        public double peakDeltaMiB() {
            Line h = lines.get("hakmem");
            double low = Double.NaN;
            for (Line l : lines.values()) {
                if (ArrowManagers.isPeer(l.manager()) && !(l.peakMiB() >= low)) {
                    low = l.peakMiB();
                }
            }
            return h == null || Double.isNaN(low) ? Double.NaN : h.peakMiB() - low;
        }
    }

    /**
     * Parses one JVM's output.
     *
     * @throws IllegalStateException if it failed or reported nothing
     */
    public static Fork parse(List<String> lines, int fork, int exitStatus) {
        List<Run> runs = new ArrayList<>();
        Memory memory = null;
        String problem = null;
        for (String line : lines) {
            String[] f = line.split("\t");
            if (f[0].equals(ArrowMain.RESULT) && f.length == 8) {
                runs.add(new Run(f[1], f[2], fork, Integer.parseInt(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]),
                        Long.parseLong(f[6]), Long.parseLong(f[7])));
            } else if (f[0].equals(ArrowMain.MEMORY) && f.length == 7) {
                memory = new Memory(f[1], f[2], fork, Long.parseLong(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]),
                        Long.parseLong(f[6]));
            } else if (problem == null && (line.contains("Exception") || line.contains("Error:") || line.startsWith("error"))) {
                problem = line.trim();
            }
        }
        if (exitStatus != 0 || runs.isEmpty() || memory == null) {
            throw new IllegalStateException("exit status " + exitStatus + (problem != null ? ": " + problem
                    : runs.isEmpty() ? ": no results" : memory == null ? ": no memory line" : ""));
        }
        return new Fork(List.copyOf(runs), memory);
    }

    /** Medians per case and manager, cases and managers in the given order. */
    public static List<Summary> summarize(List<ArrowCase> cases, List<String> managers, List<Run> runs, List<Memory> memory) {
        List<Summary> out = new ArrayList<>();
        for (ArrowCase c : cases) {
            Map<String, Line> lines = new LinkedHashMap<>();
            for (String m : managers) {
                List<Run> mine = runs.stream().filter(r -> r.caseLabel().equals(c.label()) && r.manager().equals(m)).toList();
                double[] perSec = mine.stream().mapToDouble(Run::opsPerSec).toArray();
                double[] perCpuSec = mine.stream().mapToDouble(Run::opsPerCpuSec).toArray();
                List<Memory> mem = memory.stream().filter(x -> x.caseLabel().equals(c.label()) && x.manager().equals(m)).toList();
                if (perSec.length == 0 || mem.isEmpty()) {
                    continue;
                }
                lines.put(m, new Line(m, mem.size(), Median.of(perSec), Median.of(perCpuSec),
                        Median.of(mem.stream().mapToDouble(x -> x.peakKiB() / 1024.0).toArray()),
                        Median.of(mem.stream().mapToDouble(x -> x.endKiB() / 1024.0).toArray()),
                        Median.of(mem.stream().mapToDouble(x -> x.idleKiB() / 1024.0).toArray())));
            }
            if (!lines.isEmpty()) {
                out.add(new Summary(c, lines));
            }
        }
        return out;
    }

    /** A note for every case whose managers read different checksums (they must all read the same values). */
    public static List<String> checksumMismatches(List<Run> runs) {
        Map<String, Set<Long>> byCase = new LinkedHashMap<>();
        for (Run r : runs) {
            byCase.computeIfAbsent(r.caseLabel(), k -> new LinkedHashSet<>()).add(r.checksum());
        }
        List<String> notes = new ArrayList<>();
        byCase.forEach((c, sums) -> {
            if (sums.size() > 1) {
                notes.add("checksum mismatch on " + c + ": " + sums + " (the managers read different values)");
            }
        });
        return notes;
    }

    /** Writes every run, with its JVM's memory figures, as CSV. */
    public static void writeCsv(Path file, List<Run> runs, List<Memory> memory) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("case,kind,unit,manager,fork,run,ops,seconds,ops_per_sec,cpu_seconds,ops_per_cpu_sec,checksum,vmhwm_kib,"
                    + "rss_after_release_kib,rss_idle_kib,arrow_peak_bytes\n");
            for (Run r : runs) {
                ArrowCase c = ArrowCase.byLabel(r.caseLabel());
                Memory m = memory.stream().filter(x -> x.caseLabel().equals(r.caseLabel()) && x.manager().equals(r.manager())
                        && x.fork() == r.fork()).findFirst().orElseThrow();
                w.write(String.format(Locale.ROOT, "%s,%s,%s,%s,%d,%d,%d,%.6f,%.1f,%.6f,%.1f,%d,%d,%d,%d,%d%n", c.label(),
                        kind(c), c.unit(), r.manager(), r.fork(), r.run(), r.ops(), r.nanos() / 1e9, r.opsPerSec(),
                        r.cpuNanos() / 1e9, r.opsPerCpuSec(), r.checksum(), m.peakKiB(), m.endKiB(), m.idleKiB(), m.arrowPeak()));
            }
        }
    }

    static String kind(ArrowCase c) {
        return c.allocationHeavy() ? "alloc" : "read";
    }

    /** {@code 12.3 M}, {@code 456.7 k} or {@code 89.0}: a rate for tables. */
    public static String human(double perSec) {
        if (Double.isNaN(perSec)) {
            return "-";
        }
        if (perSec >= 1e6) {
            return String.format(Locale.ROOT, "%.1f M", perSec / 1e6);
        }
        if (perSec >= 1e3) {
            return String.format(Locale.ROOT, "%.1f k", perSec / 1e3);
        }
        return String.format(Locale.ROOT, "%.1f", perSec);
    }

    private static String ratio(double r) {
        return Double.isNaN(r) ? "-" : String.format(Locale.ROOT, "%.2fx", r);
    }

    private static String mib(Line l, ToDoubleFunction<Line> f) {
        return l == null ? "-" : String.format(Locale.ROOT, "%.0f", f.applyAsDouble(l));
    }

    /** The console table: throughput per manager, hakmem's ratio to the best other, peak RSS per manager. */
    public static String table(List<Summary> summaries, List<String> managers) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-17s %-5s %-13s", "case", "kind", "unit/s"));
        for (String m : managers) {
            sb.append(String.format(Locale.ROOT, " %10s", m));
        }
        sb.append(String.format(Locale.ROOT, " %13s %13s  peak RSS MiB (%s)%n", "hakmem/best", "per CPU-s", String.join("/", managers)));
        for (Summary s : summaries) {
            sb.append(String.format(Locale.ROOT, "%-17s %-5s %-13s", s.c().label(), kind(s.c()), s.c().unit()));
            List<String> peaks = new ArrayList<>();
            for (String m : managers) {
                Line l = s.lines().get(m);
                sb.append(String.format(Locale.ROOT, " %10s", l == null ? "-" : human(l.opsPerSec())));
                peaks.add(mib(l, Line::peakMiB));
            }
            String best = s.bestOther();
            String bestCpu = s.bestOtherCpu();
            sb.append(String.format(Locale.ROOT, " %13s %13s  %s%n", ratio(s.ratio()) + (best == null ? "" : " " + best),
                    ratio(s.cpuRatio()) + (bestCpu == null ? "" : " " + bestCpu), String.join("/", peaks)));
        }
        return sb.toString();
    }

    /** The Markdown report. */
    public static String report(List<Summary> summaries, List<String> managers, String command, String settings,
                                String machine, List<String> charts, List<String> notes) {
        StringBuilder md = new StringBuilder();
        md.append("# hakmem arrow report\n\n");
        md.append("- Machine: ").append(machine).append('\n');
        md.append("- Command: `").append(command).append("`\n");
        md.append("- Settings: ").append(settings).append('\n');
        md.append("- Managers: `hakmem` = `dev.hakmem.arrow.HakmemAllocationManager` (hakmem blocks), `netty` = Arrow's "
                + "`NettyAllocationManager` (arrow-memory-netty over Netty's pooled allocator, Arrow's usual default), "
                + "`unsafe` = Arrow's `UnsafeAllocationManager` (`Unsafe.allocateMemory`: the JVM's malloc, glibc here). "
                + "Each JVM measures one manager, which is also Arrow's default there (`null`'s JVM: unsafe). "
                + "`null`, where measured, is the ceiling: a manager that does almost nothing (a per-thread stack of reused "
                + "blocks per power-of-two size, never given back), so its figures are what Arrow costs around any "
                + "allocation; it is left out of every \"best other\" and its RSS is not comparable.\n");
        md.append("- Throughput: operations per second of wall time (the case's unit), median over the measured runs of all JVMs. "
                + "Memory: medians over the JVMs of `VmHWM` (peak RSS of the whole JVM, its fixed pre-touched heap included), "
                + "`VmRSS` right after the root allocator was closed (everything released), and `VmRSS` after "
                + ArrowMain.IDLE_MS + " ms more of idling, in MiB.\n\n");
        md.append("## Throughput\n\n| case | kind | unit | ");
        md.append(String.join(" | ", managers)).append(" | hakmem / best other |\n|---|---|---|");
        md.append("---:|".repeat(managers.size())).append("---:|\n");
        for (Summary s : summaries) {
            md.append("| ").append(s.c().label()).append(" | ").append(kind(s.c())).append(" | ").append(s.c().unit()).append("/s |");
            for (String m : managers) {
                Line l = s.lines().get(m);
                md.append(' ').append(l == null ? "-" : human(l.opsPerSec())).append(" |");
            }
            String best = s.bestOther();
            md.append(' ').append(ratio(s.ratio())).append(best == null ? "" : " (vs " + best + ")").append(" |\n");
        }
        md.append("\n## Throughput per CPU-second\n\nOperations per second of the JVM's CPU time (all its threads: GC, "
                + "JIT, hakmem's decay thread), median over the same runs. On a machine shared with other work this "
                + "shows what each manager costs better than wall time, which also counts the time other processes "
                + "held the cores.\n\n| case | ");
        md.append(String.join(" | ", managers)).append(" | hakmem / best other |\n|---|");
        md.append("---:|".repeat(managers.size())).append("---:|\n");
        for (Summary s : summaries) {
            md.append("| ").append(s.c().label()).append(" |");
            for (String m : managers) {
                Line l = s.lines().get(m);
                md.append(' ').append(l == null ? "-" : human(l.opsPerCpuSec())).append(" |");
            }
            String best = s.bestOtherCpu();
            md.append(' ').append(ratio(s.cpuRatio())).append(best == null ? "" : " (vs " + best + ")").append(" |\n");
        }
        md.append("\n## Memory (MiB)\n\n| case |");
        for (String what : List.of("peak RSS", "RSS after release", "RSS after idle")) {
            for (String m : managers) {
                md.append(' ').append(what).append(' ').append(m).append(" |");
            }
        }
        md.append(" hakmem peak - lowest other |\n|---|").append("---:|".repeat(3 * managers.size() + 1)).append('\n');
        for (Summary s : summaries) {
            md.append("| ").append(s.c().label()).append(" |");
            for (ToDoubleFunction<Line> f : List.<ToDoubleFunction<Line>>of(
                    Line::peakMiB, Line::endMiB, Line::idleMiB)) {
                for (String m : managers) {
                    md.append(' ').append(mib(s.lines().get(m), f)).append(" |");
                }
            }
            double d = s.peakDeltaMiB();
            md.append(' ').append(Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%+.0f", d)).append(" |\n");
        }
        md.append("\n## Cases\n\n");
        for (Summary s : summaries) {
            md.append("- `").append(s.c().label()).append("` (").append(kind(s.c())).append(", ")
                    .append(s.c().opsPerRun()).append(' ').append(s.c().unit()).append(" per run): ")
                    .append(description(s.c())).append('\n');
        }
        md.append('\n');
        for (String c : charts) {
            md.append("![").append(c).append("](").append(c).append(")\n\n");
        }
        md.append("Files: `results.csv` (every measured run with its JVM's memory figures), `logs/` (each JVM's output).\n\n");
        if (!notes.isEmpty()) {
            md.append("## Notes\n\n");
            notes.forEach(n -> md.append("- ").append(n).append('\n'));
        }
        return md.toString();
    }

    /** A sentence on what a case does. */
    static String description(ArrowCase c) {
        return switch (c) {
            case INT_64 -> "an IntVector of 64 values allocated, set, summed and closed";
            case INT_1K -> "an IntVector of 1,024 values allocated, set, summed and closed";
            case INT_1K_2T -> "int-1k on two threads at once, each under its own child allocator of one root";
            case VARCHAR_1K -> "a VarCharVector of 1,024 strings of 8-40 bytes, grown by setSafe from a 1,024-value estimate, read, closed";
            case LIST_STRUCT -> "a ListVector of ints (0-8 per row) and a StructVector {int, varchar}, 256 rows each, written, read, closed";
            case BATCH_4K -> "a VectorSchemaRoot of int, bigint, float8 and varchar columns x 4,096 rows in a child allocator of its own, filled, read, closed";
            case GROW_64K -> "an IntVector grown by setSafe from 16 to 65,536 values (each doubling: a new buffer, a copy, a release)";
            case LARGE_1_16M -> "BigIntVectors of 1-16 MiB (fixed pseudo-random sizes) filled and summed, four alive at a time, the oldest released";
            case LARGE_64M -> "a 64 MiB BigIntVector (8 Mi values) filled, summed and released";
            case READ_INT -> "an IntVector of 1 Mi values built once per run and summed 128 times";
            case READ_VARCHAR -> "a VarCharVector of 64 Ki strings built once per run and read 256 times";
        };
    }
}
