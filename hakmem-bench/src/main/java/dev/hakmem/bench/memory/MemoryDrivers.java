package dev.hakmem.bench.memory;

import java.util.List;

/** The memory suite's drivers by name. */
public final class MemoryDrivers {

    /** Every memory driver, in report order. */
    public static final List<MemoryDriver> ALL = List.of(new FragRefill(), new FragPhases(), new FragRemote(), new ServerDay());

    private MemoryDrivers() {}

    /** Their names. */
    public static List<String> names() {
        return ALL.stream().map(MemoryDriver::name).toList();
    }

    /**
     * The driver called {@code name}.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static MemoryDriver byName(String name) {
        for (MemoryDriver d : ALL) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown memory driver '" + name + "'; known: " + names());
    }
}
