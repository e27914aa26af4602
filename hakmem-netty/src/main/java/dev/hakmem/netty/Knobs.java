package dev.hakmem.netty;

/**
 * hakmem-netty's settings: a system property {@code hakmem.netty.<name>}, else the environment
 * variable {@code HAKMEM_NETTY_<NAME>} (camel case split by underscores), else the default.
 * Each is read once, into a {@code static final} field of the class that uses it.
 */
final class Knobs {
    private Knobs() {}

    /**
     * The integer setting {@code name}, at least {@code min}.
     *
     * @throws IllegalArgumentException when it is set to something that is not such an integer
     */
    static int intValue(String name, int defaultValue, int min) {
        Setting got = lookUp(name);
        if (got == null) {
            return defaultValue;
        }
        int v;
        try {
            v = Integer.parseInt(got.value().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("hakmem-netty: " + got + " is not an integer", e);
        }
        if (v < min) {
            throw new IllegalArgumentException("hakmem-netty: " + got + " is below " + min);
        }
        return v;
    }

    /**
     * The boolean setting {@code name}: {@code true} or {@code false} (any case).
     *
     * @throws IllegalArgumentException when it is set to anything else
     */
    static boolean flag(String name, boolean defaultValue) {
        Setting got = lookUp(name);
        if (got == null) {
            return defaultValue;
        }
        String value = got.value().trim();
        if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(value);
        }
        throw new IllegalArgumentException("hakmem-netty: " + got + " is neither true nor false");
    }

    /** A setting as given: where ({@code hakmem.netty.<name>} or {@code HAKMEM_NETTY_<NAME>}) and its value. */
    private record Setting(String source, String value) {
        @Override
        public String toString() {
            return source + "=" + value;
        }
    }

    /** Where setting {@code name} is given and its value, or null when it is not. */
    private static Setting lookUp(String name) {
        String property = "hakmem.netty." + name;
        String value = System.getProperty(property);
        String source = property;
        if (value == null) {
            source = "HAKMEM_NETTY_" + name.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT);
            value = System.getenv(source);
        }
        return value == null || value.isBlank() ? null : new Setting(source, value);
    }
}
