package dev.hakmem.bench.memory;

import dev.hakmem.bench.report.MachineInfo;
import dev.hakmem.bench.report.Median;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Medians per (driver, allocator) over the JVMs, and the text and markdown tables of them. */
final class MemoryReport {

    /** Issue 16's targets for hakmem. */
    static final double TARGET_RATIO = 1.25;
    static final double TARGET_AFTER_FREE_MIB = 16;
    static final double TARGET_AFTER_TRIM_MIB = 8;

    private MemoryReport() {}

    /**
     * Medians of one allocator on one driver.
     *
     * @param driver       memory driver
     * @param allocator    adapter
     * @param jvms         JVMs measured
     * @param ratio        peak RSS above baseline / peak live bytes
     * @param peakRssMiB   peak RSS above baseline
     * @param peakLiveMiB  peak live bytes
     * @param afterFreeMiB RSS above baseline after the free-all and the settle time
     * @param afterTrimMiB RSS above baseline right after the trim, NaN without one
     * @param trim         the trim call, or {@code n/a}
     * @param runSeconds   the driver's run
     */
    record Summary(String driver, String allocator, int jvms, double ratio, double peakRssMiB, double peakLiveMiB,
                   double afterFreeMiB, double afterTrimMiB, String trim, double runSeconds) {}

    /** Medians per (driver, allocator), drivers and allocators in the order they first appear. */
    static List<Summary> summarize(List<MemoryResult> results) {
        Map<String, List<MemoryResult>> groups = new LinkedHashMap<>();
        for (MemoryResult r : results) {
            groups.computeIfAbsent(r.driver() + "\u0000" + r.allocator(), k -> new ArrayList<>()).add(r);
        }
        List<String> driverOrder = results.stream().map(MemoryResult::driver).distinct().toList();
        List<Summary> out = new ArrayList<>();
        for (String d : driverOrder) {
            for (List<MemoryResult> g : groups.values()) {
                if (!g.get(0).driver().equals(d)) {
                    continue;
                }
                MemoryResult first = g.get(0);
                out.add(new Summary(d, first.allocator(), g.size(),
                        median(g, MemoryResult::peakRssOverLive), median(g, MemoryResult::peakRssMiB),
                        median(g, MemoryResult::peakLiveMiB), median(g, MemoryResult::afterFreeMiB),
                        first.afterTrimKiB() < 0 ? Double.NaN : median(g, MemoryResult::afterTrimMiB),
                        first.trim(), median(g, r -> r.runMs() / 1000.0)));
            }
        }
        return out;
    }

    /** The JVM of {@code results} (one driver and allocator) whose peak RSS / live is the median (the lower middle one for an even count). */
    static MemoryResult medianRun(List<MemoryResult> results) {
        List<MemoryResult> sorted = new ArrayList<>(results);
        sorted.sort(java.util.Comparator.comparingDouble(MemoryResult::peakRssOverLive));
        return sorted.get((sorted.size() - 1) / 2);
    }

    private static double median(List<MemoryResult> g, java.util.function.ToDoubleFunction<MemoryResult> f) {
        return Median.of(g.stream().mapToDouble(f).toArray());
    }

    /** The table printed at the end of a suite run. */
    static String table(List<Summary> summaries) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-12s %-15s %4s %10s %10s %10s %10s %10s  %s%n", "driver", "allocator", "JVMs",
                "peak/live", "peak MiB", "live MiB", "free MiB", "trim MiB", "trim call"));
        String last = null;
        for (Summary s : summaries) {
            if (last != null && !last.equals(s.driver())) {
                b.append('\n');
            }
            last = s.driver();
            b.append(String.format(Locale.ROOT, "%-12s %-15s %4d %10s %10s %10s %10s %10s  %s%n", s.driver(), s.allocator(),
                    s.jvms(), fmt(s.ratio(), 3), fmt(s.peakRssMiB(), 1), fmt(s.peakLiveMiB(), 1), fmt(s.afterFreeMiB(), 1),
                    fmt(s.afterTrimMiB(), 1), s.trim()));
        }
        return b.toString();
    }

    /**
     * What the report says besides the numbers.
     *
     * @param command     the launcher's command line
     * @param settings    forks, scales, settle time, wall time
     * @param machine     where it ran
     * @param descriptions one line per driver that ran
     * @param charts      chart file per driver (missing ones are left out)
     * @param notes       skipped allocators, failures, load
     * @param settleMs    how long the JVMs waited after the last free before the "after free" reading
     * @param phases      per JVM whose driver marked phases, each phase's peak RSS over the run's peak live bytes
     */
    record Context(String command, String settings, MachineInfo machine, Map<String, String> descriptions,
                   Map<String, String> charts, List<String> notes, long settleMs, List<PhaseRun> phases) {}

    /**
     * One JVM's phases: their names and, per phase, the peak RSS (minus the baseline) among the
     * samples taken during it over the run's peak live bytes (NaN: no sample fell in the phase).
     */
    record PhaseRun(String driver, String allocator, List<String> names, double[] ratios) {}

    /** The phases of run {@code r}: {@link Phases#peakRssKiB} over the run's peak live bytes. */
    static PhaseRun phaseRun(MemoryResult r, List<Phases.Phase> phases, long[][] samples) {
        double[] peak = Phases.peakRssKiB(phases, samples, r.baselineKiB());
        double liveKiB = r.peakLiveBytes() / 1024.0;
        double[] ratios = new double[peak.length];
        for (int i = 0; i < peak.length; i++) {
            ratios[i] = liveKiB > 0 ? peak[i] / liveKiB : Double.NaN;
        }
        return new PhaseRun(r.driver(), r.allocator(), phases.stream().map(Phases.Phase::name).toList(), ratios);
    }

    /**
     * Driver {@code d}'s phases, allocators down, phases across: the median over each allocator's
     * JVMs of the phase's peak RSS / peak live (JVMs whose phases differ from the first one's are
     * left out); empty when no JVM of the driver marked phases.
     */
    static String phaseTable(String d, List<PhaseRun> runs) {
        List<PhaseRun> mine = runs.stream().filter(p -> p.driver().equals(d) && !p.names().isEmpty()).toList();
        if (mine.isEmpty()) {
            return "";
        }
        List<String> names = mine.get(0).names();
        StringBuilder md = new StringBuilder();
        md.append("Peak RSS / peak live bytes within each phase the driver marked (median of the JVMs):\n\n");
        md.append("| allocator |");
        for (int i = 0; i < names.size(); i++) {
            md.append(' ').append(names.get(i)).append(" |");
        }
        md.append("\n|---|").append("---:|".repeat(names.size())).append('\n');
        for (String a : mine.stream().map(PhaseRun::allocator).distinct().toList()) {
            List<PhaseRun> ofA = mine.stream().filter(p -> p.allocator().equals(a) && p.names().equals(names)).toList();
            if (ofA.isEmpty()) {
                continue;
            }
            md.append("| ").append(a.equals("hakmem") ? "**hakmem**" : a).append(" |");
            for (int i = 0; i < names.size(); i++) {
                final int k = i;
                double med = Median.of(ofA.stream().mapToDouble(p -> p.ratios()[k]).filter(x -> !Double.isNaN(x)).toArray());
                md.append(' ').append(fmt(med, 2)).append(" |");
            }
            md.append('\n');
        }
        return md.toString();
    }

    /** {@code report.md}. */
    static String markdown(List<Summary> summaries, Context ctx) {
        StringBuilder md = new StringBuilder();
        md.append("# hakmem memory suite\n\n");
        md.append("- Machine: ").append(ctx.machine().describe()).append('\n');
        md.append("- Command: `").append(ctx.command()).append("`\n");
        md.append("- Settings: ").append(ctx.settings()).append('\n');
        md.append("- Figures are medians over the JVMs of each (driver, allocator), one fresh JVM each. ")
                .append("RSS is VmRSS of the whole JVM minus its baseline (VmRSS right before the driver's first ")
                .append("allocation, after a warm-up pass of the same driver at ")
                .append(fmt(MemoryMain.WARMUP_SCALE * 100, 1)).append(" % of the volume). ")
                .append("**peak/live** = (peak RSS - baseline) / peak live bytes (the requested sizes of the blocks held ")
                .append("at once); **after free** = RSS - baseline ").append(fmt(ctx.settleMs() / 1000.0, 1))
                .append(" s after the last free, no call in between; ")
                .append("**after trim** = RSS - baseline right after the allocator's own trim call. Lower is better everywhere. ")
                .append("A negative figure means the process holds less than at its baseline (the trim also gave back ")
                .append("what the warm-up or the JVM had left).\n\n");
        List<String> drivers = summaries.stream().map(Summary::driver).distinct().toList();
        if (drivers.size() > 1) {
            md.append("## Overview: peak RSS / live\n\n").append(overview(summaries, drivers, Summary::ratio, 2)).append('\n');
            md.append("## Overview: MiB above baseline after freeing everything / right after the trim\n\n")
                    .append(overviewPair(summaries, drivers)).append('\n');
        }
        String targets = targets(summaries, drivers);
        if (!targets.isEmpty()) {
            md.append(targets).append('\n');
        }
        for (String d : drivers) {
            md.append("## ").append(d).append("\n\n");
            String desc = ctx.descriptions().get(d);
            if (desc != null) {
                md.append(desc).append("\n\n");
            }
            md.append("| allocator | JVMs | peak/live | peak RSS MiB | peak live MiB | after free MiB | after trim MiB | trim call | run s |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|---|---:|\n");
            for (Summary s : summaries) {
                if (!s.driver().equals(d)) {
                    continue;
                }
                String name = s.allocator().equals("hakmem") ? "**hakmem**" : s.allocator();
                md.append("| ").append(name).append(" | ").append(s.jvms()).append(" | ").append(fmt(s.ratio(), 3))
                        .append(" | ").append(fmt(s.peakRssMiB(), 1)).append(" | ").append(fmt(s.peakLiveMiB(), 1))
                        .append(" | ").append(fmt(s.afterFreeMiB(), 1)).append(" | ").append(fmt(s.afterTrimMiB(), 1))
                        .append(" | `").append(s.trim()).append("` | ").append(fmt(s.runSeconds(), 1)).append(" |\n");
            }
            String phases = phaseTable(d, ctx.phases());
            if (!phases.isEmpty()) {
                md.append('\n').append(phases);
            }
            String chart = ctx.charts().get(d);
            if (chart != null) {
                md.append("\n![").append(d).append("](").append(chart).append(")\n");
            }
            md.append('\n');
        }
        if (!ctx.notes().isEmpty()) {
            md.append("## Notes\n\n");
            for (String note : ctx.notes()) {
                md.append("- ").append(note).append('\n');
            }
        }
        return md.toString();
    }

    /** Allocators down, drivers across, one figure per cell. */
    private static String overview(List<Summary> summaries, List<String> drivers,
                                   java.util.function.ToDoubleFunction<Summary> f, int decimals) {
        return overviewTable(summaries, drivers, s -> fmt(f.applyAsDouble(s), decimals));
    }

    /** Allocators down, drivers across, RSS after free / after trim per cell. */
    private static String overviewPair(List<Summary> summaries, List<String> drivers) {
        return overviewTable(summaries, drivers, s -> fmt(s.afterFreeMiB(), 1) + " / " + fmt(s.afterTrimMiB(), 1));
    }

    /** Allocators down, drivers across, {@code cell} of each summary (empty where there is none). */
    private static String overviewTable(List<Summary> summaries, List<String> drivers,
                                        java.util.function.Function<Summary, String> cell) {
        StringBuilder md = new StringBuilder("| allocator | ").append(String.join(" | ", drivers)).append(" |\n|---|");
        md.append("---:|".repeat(drivers.size())).append('\n');
        for (String a : summaries.stream().map(Summary::allocator).distinct().toList()) {
            md.append("| ").append(a.equals("hakmem") ? "**hakmem**" : a);
            for (String d : drivers) {
                Summary s = find(summaries, d, a);
                md.append(" | ").append(s == null ? "" : cell.apply(s));
            }
            md.append(" |\n");
        }
        return md.toString();
    }

    /**
     * Issue 16's targets for hakmem on each driver, judged on these medians: peak RSS / live at
     * most 1.25 and below every other allocator's; at most 16 MiB above the baseline after the
     * free-all and at most 8 MiB after the trim. Empty if hakmem did not run.
     */
    static String targets(List<Summary> summaries, List<String> drivers) {
        StringBuilder md = new StringBuilder();
        for (String d : drivers) {
            Summary h = find(summaries, d, "hakmem");
            if (h == null) {
                continue;
            }
            Summary best = null;
            for (Summary s : summaries) {
                if (s.driver().equals(d) && !s.allocator().equals("hakmem") && (best == null || s.ratio() < best.ratio())) {
                    best = s;
                }
            }
            if (md.isEmpty()) {
                md.append("## Issue 16 targets (hakmem, on these medians)\n\n")
                        .append("| driver | JVMs | peak/live <= ").append(TARGET_RATIO).append(" | below every peer (best peer) | after free <= ")
                        .append((int) TARGET_AFTER_FREE_MIB).append(" MiB | after trim <= ").append((int) TARGET_AFTER_TRIM_MIB)
                        .append(" MiB |\n|---|---:|---|---|---|---|\n");
            }
            md.append("| ").append(d).append(" | ").append(h.jvms())
                    .append(" | ").append(mark(h.ratio() <= TARGET_RATIO)).append(' ').append(fmt(h.ratio(), 3))
                    .append(" | ").append(best == null ? "-" : mark(h.ratio() < best.ratio()) + " (" + best.allocator() + " "
                            + fmt(best.ratio(), 3) + ")")
                    .append(" | ").append(mark(h.afterFreeMiB() <= TARGET_AFTER_FREE_MIB)).append(' ').append(fmt(h.afterFreeMiB(), 1))
                    .append(" | ").append(mark(h.afterTrimMiB() <= TARGET_AFTER_TRIM_MIB)).append(' ').append(fmt(h.afterTrimMiB(), 1))
                    .append(" |\n");
        }
        return md.toString();
    }

    private static String mark(boolean ok) {
        return ok ? "yes" : "**no**";
    }

    private static Summary find(List<Summary> summaries, String driver, String allocator) {
        for (Summary s : summaries) {
            if (s.driver().equals(driver) && s.allocator().equals(allocator)) {
                return s;
            }
        }
        return null;
    }

    static String fmt(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
