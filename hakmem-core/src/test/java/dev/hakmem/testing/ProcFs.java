package dev.hakmem.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** This process's memory as Linux reports it in {@code /proc/self}. */
public final class ProcFs {
    private ProcFs() {}

    /** VmRSS of this process in KiB. */
    public static long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return kib(line);
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    /**
     * How many of the 4 KiB pages of {@code [from, to)} (page-aligned) are present in RAM, from
     * {@code /proc/self/pagemap} (bit 63 of each page's entry, readable without privileges).
     */
    public static int residentPages(long from, long to) throws IOException {
        int pages = (int) ((to - from) >>> 12);
        ByteBuffer buf = ByteBuffer.allocate(pages * 8).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(Path.of("/proc/self/pagemap"), StandardOpenOption.READ)) {
            long at = (from >>> 12) * 8;
            while (buf.hasRemaining()) {
                if (ch.read(buf, at + buf.position()) < 0) {
                    throw new IOException("pagemap ended early");
                }
            }
        }
        int present = 0;
        for (int i = 0; i < pages; i++) {
            if (buf.getLong(i * 8) < 0) {
                present++;
            }
        }
        return present;
    }

    /** Resident KiB of this process's mappings inside {@code [from, to)}, from {@code /proc/self/smaps}. */
    public static long residentKib(long from, long to) throws IOException {
        long kib = 0;
        boolean inside = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            long[] range = mapping(line);
            if (range != null) {
                inside = range[0] < to && range[1] > from;
            } else if (inside && line.startsWith("Rss:")) {
                kib += kib(line);
            }
        }
        return kib;
    }

    /** {@code {start, end}} of the mapping a {@code /proc/self/smaps} header line names, or null for any other line. */
    private static long[] mapping(String line) {
        int dash = line.indexOf('-');
        int space = line.indexOf(' ');
        if (dash > 0 && space > dash && line.substring(0, dash).chars().allMatch(ch -> Character.digit(ch, 16) >= 0)) {
            return new long[] {Long.parseUnsignedLong(line.substring(0, dash), 16), Long.parseUnsignedLong(line.substring(dash + 1, space), 16)};
        }
        return null;
    }

    /** The number of a {@code /proc} line such as {@code Rss:   1234 kB}. */
    private static long kib(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }

    /** Resident KiB of each of this process's mappings, keyed by its {@code /proc/self/smaps} header line. */
    public static Map<String, Long> residentByMapping() throws IOException {
        Map<String, Long> m = new LinkedHashMap<>();
        String at = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (mapping(line) != null) {
                at = line.strip();
            } else if (at != null && line.startsWith("Rss:")) {
                m.merge(at, kib(line), Long::sum);
            }
        }
        return m;
    }

    /**
     * The {@code n} mappings whose resident KiB grew most from {@code before} to {@code after} (both
     * from {@link #residentByMapping()}), one {@code +KiB header} entry each, largest first.
     */
    public static List<String> grownMost(Map<String, Long> before, Map<String, Long> after, int n) {
        List<Map.Entry<String, Long>> grown = new ArrayList<>();
        after.forEach((k, v) -> {
            long d = v - before.getOrDefault(k, 0L);
            if (d > 0) {
                grown.add(Map.entry(k, d));
            }
        });
        grown.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < Math.min(n, grown.size()); i++) {
            out.add("+" + grown.get(i).getValue() + " KiB " + grown.get(i).getKey());
        }
        return out;
    }
}
