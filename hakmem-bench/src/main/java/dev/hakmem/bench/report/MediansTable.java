package dev.hakmem.bench.report;

import java.util.ArrayList;
import java.util.List;

/** The medians as a plain-text table, for the terminal. */
public final class MediansTable {

    private MediansTable() {}

    /** One block per case: allocator, Mops/s, ns/op, ratio to hakmem, RSS peak and end. */
    public static String render(List<CaseSummary> cases) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"driver [params]", "allocator", "Mops/s", "ns/op", "x hakmem", "RSS peak MiB",
                "RSS end MiB", "runs"});
        for (CaseSummary c : cases) {
            boolean first = true;
            for (CaseSummary.Line l : c.lines()) {
                rows.add(new String[] {first ? c.driver() + " [" + c.params() + "]" : "", l.allocator(),
                        Formats.mops(l.opsPerSec()), Formats.ns(l.nsPerOp()),
                        Formats.ratio(c.ratioToHakmem(l.allocator())), Formats.mib(l.rssPeakKiB()),
                        Formats.mib(l.rssEndKiB()), Integer.toString(l.runs())});
                first = false;
            }
        }
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (int k = 0; k < rows.size(); k++) {
            String[] r = rows.get(k);
            if (k > 0 && !r[0].isEmpty()) {
                out.append('\n');
            }
            for (int i = 0; i < r.length; i++) {
                String cell = i < 2 ? pad(r[i], width[i], false) : pad(r[i], width[i], true);
                out.append(cell).append(i + 1 < r.length ? "  " : "");
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static String pad(String s, int width, boolean right) {
        String space = " ".repeat(width - s.length());
        return right ? space + s : s + space;
    }
}
