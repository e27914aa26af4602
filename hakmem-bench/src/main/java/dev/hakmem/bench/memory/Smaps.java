package dev.hakmem.bench.memory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a memory-suite JVM's resident memory sits, per mapping, from {@code /proc/self/smaps}:
 * taken at the baseline and after the trim, the difference names the mappings that account for
 * an "after trim" figure (for example an arena of the C library's {@code malloc} that the JVM's
 * own threads grew, which is not the allocator under test). Written to the JVM's log only; the
 * figures of the suite do not use it.
 *
 * @param regions the mappings in address order
 */
record Smaps(List<Region> regions) {

    /**
     * One mapping.
     *
     * @param start  first address
     * @param end    address past the last byte
     * @param name   the mapped file or pseudo-name ({@code [heap]}, {@code [stack]}, ...), or
     *               {@code [anon]} for an anonymous mapping without one
     * @param rssKiB resident KiB
     */
    record Region(long start, long end, String name, long rssKiB) {}

    private static final Path SMAPS = Path.of("/proc/self/smaps");

    /** This process's mappings now, or {@code null} where the file cannot be read (not Linux). */
    static Smaps now() {
        try {
            return parse(Files.readString(SMAPS, StandardCharsets.US_ASCII));
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /** The mappings of the text of a {@code smaps} file. */
    static Smaps parse(String text) {
        List<Region> out = new ArrayList<>();
        long start = 0;
        long end = 0;
        String name = null;
        for (String line : text.split("\n")) {
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            if (dash > 0 && space > dash && isHex(line, 0, dash) && isHex(line, dash + 1, space)) {
                if (name != null) {
                    out.add(new Region(start, end, name, 0));
                }
                start = Long.parseUnsignedLong(line.substring(0, dash), 16);
                end = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                String[] f = line.trim().split("\\s+", 6);
                name = f.length == 6 ? f[5].trim() : "[anon]";
            } else if (line.startsWith("Rss:") && name != null) {
                long kib = Long.parseLong(line.substring(4).replace("kB", "").trim());
                out.add(new Region(start, end, name, kib));
                name = null;
            }
        }
        if (name != null) {
            out.add(new Region(start, end, name, 0));
        }
        return new Smaps(List.copyOf(out));
    }

    private static boolean isHex(String s, int from, int to) {
        if (to <= from) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The mappings whose resident memory changed from {@code before} to this, largest change
     * first, at most {@code limit} lines, after a total per name; a mapping is matched by its start.
     */
    String changesSince(Smaps before, int limit) {
        Map<Long, Region> old = new HashMap<>();
        for (Region r : before.regions) {
            old.put(r.start, r);
        }
        record Change(Region region, long kib) {}
        List<Change> changes = new ArrayList<>();
        Map<String, Long> byName = new TreeMap<>();
        for (Region r : regions) {
            Region o = old.remove(r.start);
            long d = r.rssKiB - (o == null ? 0 : o.rssKiB);
            if (d != 0) {
                changes.add(new Change(r, d));
                byName.merge(r.name, d, Long::sum);
            }
        }
        for (Region o : old.values()) {
            if (o.rssKiB != 0) {
                changes.add(new Change(new Region(o.start, o.end, o.name + " (gone)", 0), -o.rssKiB));
                byName.merge(o.name, -o.rssKiB, Long::sum);
            }
        }
        changes.sort((a, b) -> Long.compare(Math.abs(b.kib), Math.abs(a.kib)));
        StringBuilder sb = new StringBuilder("resident KiB per name:");
        byName.forEach((n, d) -> {
            if (d != 0) {
                sb.append(' ').append(n).append(' ').append(d > 0 ? "+" : "").append(d);
            }
        });
        for (int i = 0; i < Math.min(limit, changes.size()); i++) {
            Region r = changes.get(i).region;
            sb.append(String.format("%n  %+9d KiB  %x-%x (%d KiB) %s", changes.get(i).kib, r.start, r.end,
                    (r.end - r.start) >>> 10, r.name));
        }
        return sb.toString();
    }
}
