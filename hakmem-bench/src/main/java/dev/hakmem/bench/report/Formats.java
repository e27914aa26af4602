package dev.hakmem.bench.report;

import java.util.Locale;

/** Number formats shared by the report, the stdout table and the charts. */
final class Formats {

    private Formats() {}

    static String mops(double opsPerSec) {
        if (Double.isNaN(opsPerSec)) {
            return "-";
        }
        double mops = opsPerSec / 1e6;
        return String.format(Locale.ROOT, mops >= 1 ? "%.2f" : "%.4f", mops);
    }

    static String ns(double nsPerOp) {
        return Double.isNaN(nsPerOp) ? "-" : String.format(Locale.ROOT, "%.2f", nsPerOp);
    }

    static String ratio(double ratio) {
        return Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.2fx", ratio);
    }

    static String mib(long kib) {
        return kib == -1 ? "-" : String.format(Locale.ROOT, "%.1f", kib / 1024.0);
    }

    static String count(Long n) {
        return n == null ? "" : Long.toString(n);
    }

    /** A file-name-safe slug of a case: {@code random-mixed_10000000-256-42-16-1024}. */
    static String slug(String driver, String params) {
        return (driver + "_" + params.trim().replace(' ', '-')).replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
