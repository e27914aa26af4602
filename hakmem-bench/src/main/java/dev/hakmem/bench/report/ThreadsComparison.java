package dev.hakmem.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Platform against virtual threads: for every case that ran both ways (the virtual one's
 * parameters end in {@code vt}), each allocator's median on platform threads, on virtual threads,
 * and the ratio virtual / platform.
 */
public final class ThreadsComparison {

    private static final String VT = " vt";

    private ThreadsComparison() {}

    /** One allocator on one case both ways. */
    record Pair(String driver, String params, String allocator, double platform, double virtual) {
        double ratio() {
            return platform > 0 ? virtual / platform : Double.NaN;
        }
    }

    static List<Pair> pairs(List<CaseSummary> cases) {
        List<Pair> out = new ArrayList<>();
        for (CaseSummary v : cases) {
            if (!v.params().endsWith(VT)) {
                continue;
            }
            String base = v.params().substring(0, v.params().length() - VT.length());
            for (CaseSummary p : cases) {
                if (p.driver().equals(v.driver()) && p.params().equals(base)) {
                    for (CaseSummary.Line lv : v.lines()) {
                        CaseSummary.Line lp = p.line(lv.allocator());
                        if (lp != null) {
                            out.add(new Pair(v.driver(), base, lv.allocator(), lp.opsPerSec(), lv.opsPerSec()));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** The report's section (one markdown block), or none if no case ran both ways. */
    public static List<String> render(List<CaseSummary> cases) {
        List<Pair> pairs = pairs(cases);
        if (pairs.isEmpty()) {
            return List.of();
        }
        StringBuilder md = new StringBuilder("## Platform vs virtual threads\n\n");
        md.append("Median Mops/s of each case on platform threads and on virtual threads (`vt`: "
                + "`Thread.ofVirtual()`, on the JDK's default scheduler with one carrier per core); "
                + "`vt / pt` above 1 means virtual threads were faster.\n\n");
        md.append("| driver | params | allocator | platform Mops/s | virtual Mops/s | vt / pt |\n");
        md.append("|---|---|---|---:|---:|---:|\n");
        for (Pair p : pairs) {
            md.append("| ").append(p.driver()).append(" | `").append(p.params()).append("` | ")
                    .append(p.allocator().equals("hakmem") ? "**hakmem**" : p.allocator())
                    .append(" | ").append(Formats.mops(p.platform()))
                    .append(" | ").append(Formats.mops(p.virtual()))
                    .append(" | ").append(Formats.ratio(p.ratio())).append(" |\n");
        }
        return List.of(md.toString());
    }

    /** The same as a plain-text table for stdout, or "" if no case ran both ways. */
    public static String table(List<CaseSummary> cases) {
        List<Pair> pairs = pairs(cases);
        if (pairs.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("platform vs virtual threads (median Mops/s):\n");
        sb.append(String.format(Locale.ROOT, "%-42s %-10s %10s %10s %8s%n", "case", "allocator", "platform", "virtual", "vt/pt"));
        for (Pair p : pairs) {
            sb.append(String.format(Locale.ROOT, "%-42s %-10s %10s %10s %8s%n", p.driver() + " [" + p.params() + "]",
                    p.allocator(), Formats.mops(p.platform()), Formats.mops(p.virtual()), Formats.ratio(p.ratio())));
        }
        return sb.toString();
    }
}
