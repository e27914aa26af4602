package dev.hakmem.bench.driver;

import java.util.List;

/** The eight drivers of benchmarks.md, the thread-per-request driver and the large-block churn, by name. */
public final class Drivers {

    /** Every driver, in report order. */
    public static final List<Driver> ALL = List.of(new RandomMixed(), new TinyHot(), new MidMt(), new Larson(),
            new Xmalloc(), new CacheScratch(), new GlibcSimple(), new AllocTest(), new Requests(), new LargeChurn());

    private Drivers() {}

    /** The driver called {@code name}. */
    public static Driver byName(String name) {
        for (Driver d : ALL) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown driver '" + name + "'; known: " + names());
    }

    /** The drivers' names. */
    public static List<String> names() {
        return ALL.stream().map(Driver::name).toList();
    }
}
