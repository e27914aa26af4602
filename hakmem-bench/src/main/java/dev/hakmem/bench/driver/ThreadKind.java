package dev.hakmem.bench.driver;

import java.util.Locale;

/**
 * The kind of thread a multi-threaded driver runs its workers on. Platform threads are the
 * default and carry no marker; virtual threads ({@code Thread.ofVirtual()}) are asked for with the
 * parameter suffix {@code vt} (e.g. larson {@code 2 1 1000 10000 8 1000 vt}), which stays in the
 * parameters as reported, so platform and virtual runs are separate cases in the results.
 */
public enum ThreadKind {
    /** {@code Thread.ofPlatform()}: one OS thread each. */
    PLATFORM("platform", ""),
    /** {@code Thread.ofVirtual()}: mounted on the JDK's carrier threads (one per core by default). */
    VIRTUAL("virtual", "vt");

    private final String label;
    private final String suffix;

    ThreadKind(String label, String suffix) {
        this.label = label;
        this.suffix = suffix;
    }

    /** {@code platform} or {@code virtual}. */
    public String label() {
        return label;
    }

    /** The parameter suffix: {@code vt} for virtual threads, empty for platform ones. */
    public String suffix() {
        return suffix;
    }

    /** A new, unstarted thread of this kind. */
    public Thread unstarted(String name, Runnable body) {
        return this == VIRTUAL ? Thread.ofVirtual().name(name).unstarted(body)
                : Thread.ofPlatform().name(name).unstarted(body);
    }

    /** Starts a new thread of this kind. */
    public Thread start(String name, Runnable body) {
        Thread t = unstarted(name, body);
        t.start();
        return t;
    }

    /**
     * Parses {@code platform}/{@code pt} or {@code virtual}/{@code vt} (case-insensitive).
     *
     * @throws IllegalArgumentException for anything else
     */
    public static ThreadKind parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "platform", "pt" -> PLATFORM;
            case "virtual", "vt" -> VIRTUAL;
            default -> throw new IllegalArgumentException("thread kind must be platform or virtual, not '" + s + "'");
        };
    }

    /** Whether {@code token} names a thread kind (a parameter suffix). */
    static boolean isToken(String token) {
        String t = token.toLowerCase(Locale.ROOT);
        return t.equals("vt") || t.equals("pt") || t.equals("virtual") || t.equals("platform");
    }
}
