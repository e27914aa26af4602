package dev.hakmem.internal.config;

import java.util.Locale;

/**
 * Reads configuration once. Every knob is a system property {@code hakmem.name} or an
 * environment variable {@code HAKMEM_NAME} (upper case, camel case split by underscores,
 * dots turned into underscores); the system property wins. Callers store the result in
 * {@code static final} fields so the JIT folds it.
 *
 * <p>Sizes accept the suffixes {@code k}, {@code m}, {@code g}, {@code t} (powers of 1024).
 */
public final class Config {
    private Config() {}

    /** The environment variable name for a property name: {@code cacheCapacity.C3} becomes {@code HAKMEM_CACHE_CAPACITY_C3}. */
    public static String envName(String name) {
        StringBuilder sb = new StringBuilder("HAKMEM_");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.' || c == '-') {
                sb.append('_');
            } else if (Character.isUpperCase(c) && i > 0 && Character.isLowerCase(name.charAt(i - 1))) {
                sb.append('_').append(c);
            } else {
                sb.append(Character.toUpperCase(c));
            }
        }
        return sb.toString();
    }

    /** The raw value of a knob, or {@code null} when unset. */
    public static String raw(String name) {
        String v = System.getProperty("hakmem." + name);
        if (v == null) {
            v = System.getenv(envName(name));
        }
        return v == null || v.isBlank() ? null : v.trim();
    }

    public static long size(String name, long dflt) {
        String v = raw(name);
        return v == null ? dflt : parseSize(name, v);
    }

    public static int integer(String name, int dflt) {
        String v = raw(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("hakmem." + name + ": not an integer: " + v, e);
        }
    }

    public static boolean flag(String name, boolean dflt) {
        String v = raw(name);
        if (v == null) {
            return dflt;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "1", "true", "on", "yes" -> true;
            case "0", "false", "off", "no" -> false;
            default -> throw new IllegalArgumentException("hakmem." + name + ": not a boolean: " + v);
        };
    }

    /** Parses {@code 512}, {@code 64k}, {@code 2m}, {@code 1g} or {@code 1t}. */
    public static long parseSize(String name, String v) {
        String s = v.toLowerCase(Locale.ROOT);
        long mul = 1;
        char last = s.charAt(s.length() - 1);
        switch (last) {
            case 'k' -> mul = 1L << 10;
            case 'm' -> mul = 1L << 20;
            case 'g' -> mul = 1L << 30;
            case 't' -> mul = 1L << 40;
            default -> { }
        }
        if (mul != 1) {
            s = s.substring(0, s.length() - 1);
        }
        try {
            return Math.multiplyExact(Long.parseLong(s), mul);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("hakmem." + name + ": not a size: " + v, e);
        }
    }
}
