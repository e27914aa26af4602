package dev.hakmem.bench.alloc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads {@code /proc/self/maps} to tell which file a code address or library belongs to. */
final class ProcMaps {

    private ProcMaps() {}

    /** The file mapped at {@code address}, or "?" if none or unreadable. */
    static String fileContaining(long address) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                String[] f = line.trim().split("\\s+", 6);
                int dash = f[0].indexOf('-');
                long start = Long.parseUnsignedLong(f[0], 0, dash, 16);
                long end = Long.parseUnsignedLong(f[0], dash + 1, f[0].length(), 16);
                if (Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0) {
                    return f.length == 6 ? f[5] : "?";
                }
            }
        } catch (IOException | RuntimeException e) {
            return "?";
        }
        return "?";
    }

    /**
     * Whether the mapped file {@code path} is the library {@code fileName}. The kernel shows the
     * symlink's target ({@code libmimalloc.so.2.0} for {@code libmimalloc.so.2}), so a longer
     * version suffix matches too.
     */
    static boolean isLibrary(String path, String fileName) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        return name.equals(fileName) || name.startsWith(fileName + ".");
    }

    /** Whether the library {@code fileName} is mapped into this process. */
    static boolean isMapped(String fileName) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash >= 0 && isLibrary(line.substring(slash), fileName)) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
