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
        String property = "hakmem.netty." + name;
        String value = System.getProperty(property);
        String source = property;
        if (value == null) {
            source = "HAKMEM_NETTY_" + name.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT);
            value = System.getenv(source);
        }
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        int v;
        try {
            v = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("hakmem-netty: " + source + "=" + value + " is not an integer", e);
        }
        if (v < min) {
            throw new IllegalArgumentException("hakmem-netty: " + source + "=" + value + " is below " + min);
        }
        return v;
    }
}
