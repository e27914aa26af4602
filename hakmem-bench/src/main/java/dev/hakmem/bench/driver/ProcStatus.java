package dev.hakmem.bench.driver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's resident memory from {@code /proc/self/status}, in KiB (-1 where unavailable). */
public final class ProcStatus {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private ProcStatus() {}

    /** Resident set size now ({@code VmRSS}). */
    public static long rssKiB() {
        return field("VmRSS:");
    }

    /** Peak resident set size since start or the last {@link #resetPeak()} ({@code VmHWM}). */
    public static long peakRssKiB() {
        return field("VmHWM:");
    }

    /**
     * Resets {@code VmHWM} to the current RSS (writes 5 to {@code /proc/self/clear_refs}).
     *
     * @return whether the kernel accepted it
     */
    public static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    private static long field(String name) {
        try {
            String status = Files.readString(STATUS, StandardCharsets.US_ASCII);
            int at = status.indexOf(name);
            if (at < 0) {
                return -1;
            }
            int i = at + name.length();
            while (status.charAt(i) == ' ' || status.charAt(i) == '\t') {
                i++;
            }
            int j = i;
            while (Character.isDigit(status.charAt(j))) {
                j++;
            }
            return Long.parseLong(status, i, j, 10);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
