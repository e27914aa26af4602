package dev.hakmem.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The machine and JDK a report was measured on.
 *
 * @param cpuModel {@code model name} from /proc/cpuinfo
 * @param cores    processors the JVM sees
 * @param ramGiB   MemTotal from /proc/meminfo, GiB
 * @param kernel   kernel release
 * @param os       PRETTY_NAME from /etc/os-release
 * @param jdk      vendor, runtime version and VM of the JDK the benchmarks ran on
 */
public record MachineInfo(String cpuModel, int cores, double ramGiB, String kernel, String os, String jdk) {

    /** This machine and this JVM. */
    public static MachineInfo current() {
        return new MachineInfo(readCpuModel(), Runtime.getRuntime().availableProcessors(), readRamGiB(),
                firstLine(Path.of("/proc/sys/kernel/osrelease"), System.getProperty("os.version")),
                osName(),
                System.getProperty("java.vendor") + " " + System.getProperty("java.runtime.version")
                        + " (" + System.getProperty("java.vm.name") + ")");
    }

    /** One line for the report. */
    public String describe() {
        return String.format(Locale.ROOT, "%s, %d cores, %.1f GiB RAM, Linux %s (%s); JDK %s",
                cpuModel, cores, ramGiB, kernel, os, jdk);
    }

    /**
     * The first three fields of /proc/loadavg (the load average over 1, 5 and 15 minutes) joined
     * by {@code separator}, or "?" if it cannot be read.
     */
    public static String loadAverage(String separator) {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + separator + f[1] + separator + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static String readCpuModel() {
        for (String line : lines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return System.getProperty("os.arch");
    }

    private static double readRamGiB() {
        for (String line : lines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1048576.0;
            }
        }
        return Double.NaN;
    }

    private static String osName() {
        for (String line : lines(Path.of("/etc/os-release"))) {
            if (line.startsWith("PRETTY_NAME=")) {
                return line.substring("PRETTY_NAME=".length()).replace("\"", "");
            }
        }
        return System.getProperty("os.name");
    }

    private static String firstLine(Path file, String fallback) {
        List<String> l = lines(file);
        return l.isEmpty() ? fallback : l.get(0).trim();
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
