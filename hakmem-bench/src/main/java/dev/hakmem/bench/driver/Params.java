package dev.hakmem.bench.driver;

import java.util.Arrays;
import java.util.List;

/**
 * A driver's positional parameters, e.g. {@code 10000000 256 42}, and the kind of thread its
 * workers run on: a last value of {@code vt} (or {@code virtual}) asks for virtual threads,
 * {@code pt}/{@code platform} or nothing for platform threads. Only virtual threads show in
 * {@link #toString()} (as the suffix {@code vt}), so platform runs keep their old parameters.
 */
public final class Params {

    private final List<String> values;
    private final ThreadKind threads;

    private Params(List<String> values, ThreadKind threads) {
        this.values = List.copyOf(values);
        this.threads = threads;
    }

    /** Parses space- or comma-separated values, optionally ending in a thread kind ({@code vt}). */
    public static Params parse(String text) {
        String t = text.trim();
        List<String> all = t.isEmpty() ? List.of() : Arrays.asList(t.split("[\\s,]+"));
        ThreadKind kind = ThreadKind.PLATFORM;
        if (!all.isEmpty() && ThreadKind.isToken(all.get(all.size() - 1))) {
            kind = ThreadKind.parse(all.get(all.size() - 1));
            all = all.subList(0, all.size() - 1);
        }
        return new Params(all, kind);
    }

    /** The kind of thread the workers run on. */
    public ThreadKind threads() {
        return threads;
    }

    /** These values with workers on {@code kind} threads. */
    public Params withThreads(ThreadKind kind) {
        return new Params(values, kind);
    }

    /**
     * These parameters, checked to ask for platform threads: for drivers that run on the calling
     * thread, where a thread kind means nothing.
     *
     * @throws IllegalArgumentException if virtual threads are asked for
     */
    public Params platformOnly(String driver) {
        if (threads != ThreadKind.PLATFORM) {
            throw new IllegalArgumentException(driver + " runs on the calling thread; the thread kind ('vt') "
                    + "applies to the multi-threaded drivers only");
        }
        return this;
    }

    /**
     * These values, followed by the {@code defaults} for every position beyond them.
     *
     * @throws IllegalArgumentException if more values are given than there are defaults
     */
    public Params withDefaults(String... defaults) {
        if (values.size() > defaults.length) {
            throw new IllegalArgumentException("expected at most " + defaults.length + " parameters, got " + values.size());
        }
        String[] all = defaults.clone();
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            try {
                Double.parseDouble(v.replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("parameter " + (i + 1) + " '" + v + "' is not a number");
            }
            all[i] = v;
        }
        return new Params(Arrays.asList(all), threads);
    }

    /** Number of values given. */
    public int size() {
        return values.size();
    }

    /** Value {@code i} as a whole number (underscores allowed), or {@code fallback} if absent. */
    public long longAt(int i, long fallback) {
        if (i >= values.size()) {
            return fallback;
        }
        try {
            return Long.parseLong(values.get(i).replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("parameter " + (i + 1) + " '" + values.get(i) + "' is not a whole number");
        }
    }

    /** Value {@code i} as a positive int, or {@code fallback} if absent. */
    public int intAt(int i, int fallback) {
        long v = longAt(i, fallback);
        if (v <= 0 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("parameter " + (i + 1) + " must be a positive int, not " + v);
        }
        return (int) v;
    }

    /** Value {@code i} as a positive number, or {@code fallback} if absent. */
    public double doubleAt(int i, double fallback) {
        if (i >= values.size()) {
            return fallback;
        }
        try {
            double v = Double.parseDouble(values.get(i));
            if (!(v > 0)) {
                throw new IllegalArgumentException("parameter " + (i + 1) + " must be positive");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("parameter " + (i + 1) + " '" + values.get(i) + "' is not a number");
        }
    }

    /** The values joined by single spaces, as they appear in results. */
    @Override
    public String toString() {
        String joined = String.join(" ", values);
        String suffix = threads.suffix();
        return suffix.isEmpty() ? joined : joined.isEmpty() ? suffix : joined + " " + suffix;
    }
}
