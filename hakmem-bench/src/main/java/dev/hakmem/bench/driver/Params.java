package dev.hakmem.bench.driver;

import java.util.Arrays;
import java.util.List;

/** A driver's positional parameters, e.g. {@code 10000000 256 42}. */
public final class Params {

    private final List<String> values;

    private Params(List<String> values) {
        this.values = List.copyOf(values);
    }

    /** Parses space- or comma-separated values. */
    public static Params parse(String text) {
        String t = text.trim();
        return new Params(t.isEmpty() ? List.of() : Arrays.asList(t.split("[\\s,]+")));
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
        return new Params(Arrays.asList(all));
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
        return String.join(" ", values);
    }
}
