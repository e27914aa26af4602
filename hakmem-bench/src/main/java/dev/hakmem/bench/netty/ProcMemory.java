package dev.hakmem.bench.netty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's resident memory from {@code /proc/<pid>/status}: {@code VmRSS} (now) and
 * {@code VmHWM} (the peak since it started), in KiB.
 */
public record ProcMemory(long rssKiB, long hwmKiB) {

    /** Reads the process's status; throws when it has ended or there is no {@code /proc}. */
    public static ProcMemory of(long pid) throws IOException {
        return parse(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
    }

    /** Parses a {@code /proc/<pid>/status} text. */
    static ProcMemory parse(String status) {
        return new ProcMemory(field(status, "VmRSS:"), field(status, "VmHWM:"));
    }

    private static long field(String status, String name) {
        int i = status.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no " + name + " in the process status");
        }
        int end = status.indexOf('\n', i);
        String v = status.substring(i + name.length(), end < 0 ? status.length() : end).trim();
        if (!v.endsWith("kB")) {
            throw new IllegalArgumentException("unexpected " + name + " value '" + v + "'");
        }
        return Long.parseLong(v.substring(0, v.length() - 2).trim());
    }
}
