package dev.hakmem.bench.memory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's resident set from {@code /proc/self/status}: {@code VmRSS} and {@code VmHWM}
 * (its peak since start or since {@link #resetPeak()}), both from one read of the file.
 *
 * @param rssKiB  resident set size, KiB
 * @param peakKiB high-water mark of the resident set, KiB
 */
record Rss(long rssKiB, long peakKiB) {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    /**
     * Reads both now.
     *
     * @throws IllegalStateException if the file cannot be read or lacks either field (not Linux)
     */
    static Rss now() {
        try {
            return parse(Files.readString(STATUS, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + STATUS + ": " + e, e);
        }
    }

    /**
     * The two fields of the text of a {@code /proc/PID/status} file.
     *
     * @throws IllegalStateException if either is missing or not a number of kB
     */
    static Rss parse(String status) {
        return new Rss(kib(status, "VmRSS:"), kib(status, "VmHWM:"));
    }

    /**
     * Sets {@code VmHWM} to the current RSS (writes 5 to {@code /proc/self/clear_refs}).
     *
     * @return whether the kernel took it
     */
    static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    private static long kib(String status, String field) {
        int at = 0;
        if (!status.startsWith(field)) {
            int newline = status.indexOf("\n" + field);
            if (newline < 0) {
                throw new IllegalStateException("no " + field + " line in /proc status");
            }
            at = newline + 1;
        }
        int i = at + field.length();
        while (i < status.length() && (status.charAt(i) == ' ' || status.charAt(i) == '\t')) {
            i++;
        }
        int j = i;
        while (j < status.length() && Character.isDigit(status.charAt(j))) {
            j++;
        }
        if (j == i || !status.startsWith(" kB", j)) {
            throw new IllegalStateException("malformed " + field + " line in /proc status");
        }
        return Long.parseLong(status, i, j, 10);
    }
}
