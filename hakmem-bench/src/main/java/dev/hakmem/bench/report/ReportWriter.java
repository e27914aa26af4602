package dev.hakmem.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code report.md}: the machine, the settings, hakmem's ratio to every other allocator per case
 * ({@link RatioOverview}), and per case a table of medians with its chart.
 */
public final class ReportWriter {

    private ReportWriter() {}

    /**
     * What the report says besides the numbers.
     *
     * @param title    first heading
     * @param command  the launcher's command line
     * @param settings suite, runs, warm-ups
     * @param machine  where it ran
     * @param charts   chart file name per case key ({@link ResultRow#caseKey()}); missing ones are left out
     * @param notes    skipped allocators, failed forks, caveats
     * @param sections further markdown blocks after the cases (e.g. platform vs virtual threads)
     */
    public record Context(String title, String command, String settings, MachineInfo machine,
                          Map<String, String> charts, List<String> notes, List<String> sections) {

        /** A context without further sections. */
        public Context(String title, String command, String settings, MachineInfo machine,
                       Map<String, String> charts, List<String> notes) {
            this(title, command, settings, machine, charts, notes, List.of());
        }
    }

    /** Renders the report. */
    public static String render(List<CaseSummary> cases, Context ctx) {
        StringBuilder md = new StringBuilder();
        md.append("# ").append(ctx.title()).append("\n\n");
        md.append("- Machine: ").append(ctx.machine().describe()).append('\n');
        md.append("- Command: `").append(ctx.command()).append("`\n");
        md.append("- Settings: ").append(ctx.settings()).append('\n');
        md.append("- Figures are medians of the measured runs, each (driver, allocator) in a fresh JVM after warm-up. ")
                .append("`x hakmem` is the allocator's ops/s divided by hakmem's (above 1 = faster than hakmem). ")
                .append("RSS is VmRSS at the live set's peak and after everything was freed, minus VmRSS before the run. ")
                .append("mmap/munmap/madvise are hakmem's own counters for one run.\n\n");
        String overview = RatioOverview.table(cases);
        if (!overview.isEmpty()) {
            md.append("## Overview: hakmem / each allocator\n\n")
                    .append("hakmem's median ops/s over each allocator's, per case (above 1: hakmem faster; ")
                    .append("in bold where the other allocator was faster).\n\n").append(overview);
            String chart = ctx.charts().get(RatioOverview.KEY);
            if (chart != null) {
                md.append("\n![overview](").append(chart).append(")\n");
            }
            md.append('\n');
        }
        for (CaseSummary c : cases) {
            md.append("## ").append(c.driver()).append(" `").append(c.params()).append("`\n\n");
            md.append("| allocator | Mops/s | ns/op | x hakmem | RSS peak MiB | RSS end MiB | mmap | munmap | madvise | runs |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (CaseSummary.Line l : c.lines()) {
                String name = l.allocator().equals("hakmem") ? "**hakmem**" : l.allocator();
                md.append("| ").append(name)
                        .append(" | ").append(Formats.mops(l.opsPerSec()))
                        .append(" | ").append(Formats.ns(l.nsPerOp()))
                        .append(" | ").append(Formats.ratio(c.ratioToHakmem(l.allocator())))
                        .append(" | ").append(Formats.mib(l.rssPeakKiB()))
                        .append(" | ").append(Formats.mib(l.rssEndKiB()))
                        .append(" | ").append(Formats.count(l.mmapCalls()))
                        .append(" | ").append(Formats.count(l.munmapCalls()))
                        .append(" | ").append(Formats.count(l.madviseCalls()))
                        .append(" | ").append(l.runs()).append(" |\n");
            }
            String chart = ctx.charts().get(c.driver() + " " + c.params());
            if (chart != null) {
                md.append("\n![").append(c.driver()).append("](").append(chart).append(")\n");
            }
            md.append('\n');
        }
        for (String section : ctx.sections()) {
            md.append(section);
            if (!section.endsWith("\n\n")) {
                md.append(section.endsWith("\n") ? "\n" : "\n\n");
            }
        }
        if (!ctx.notes().isEmpty()) {
            md.append("## Notes\n\n");
            for (String note : ctx.notes()) {
                md.append("- ").append(note).append('\n');
            }
            md.append('\n');
        }
        return md.toString();
    }

    /** Writes {@link #render} to {@code file}. */
    public static void write(Path file, List<CaseSummary> cases, Context ctx) throws IOException {
        Files.writeString(file, render(cases, ctx), StandardCharsets.UTF_8);
    }
}
