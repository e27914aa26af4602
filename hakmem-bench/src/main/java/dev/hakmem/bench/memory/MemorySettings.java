package dev.hakmem.bench.memory;

/**
 * The memory suite's knobs, each a system property of the launcher's JVM, read once:
 * <ul>
 * <li>{@code hakmem.bench.memory.scale} (default 1): volume factor of every driver;</li>
 * <li>{@code hakmem.bench.memory.timeScale} (default 1): duration factor of the time-driven
 *     drivers (frag-remote, server-day);</li>
 * <li>{@code hakmem.bench.memory.settleMs} (default 3000): how long a fork waits after freeing
 *     everything before it reads the "after free" RSS;</li>
 * <li>{@code hakmem.bench.memory.sampleMs} (default 50): the RSS sampling interval;</li>
 * <li>{@code hakmem.bench.memory.seed} (default 42): the drivers' seed.</li>
 * </ul>
 *
 * @param scale     volume factor
 * @param timeScale duration factor
 * @param settleMs  wait after the free-all, milliseconds
 * @param sampleMs  sampling interval, milliseconds
 * @param seed      drivers' seed
 */
record MemorySettings(double scale, double timeScale, long settleMs, long sampleMs, long seed) {

    /** The settings the properties give. */
    static final MemorySettings FROM_PROPERTIES = new MemorySettings(
            positive("hakmem.bench.memory.scale", 1.0), positive("hakmem.bench.memory.timeScale", 1.0),
            Long.getLong("hakmem.bench.memory.settleMs", 3000), Long.getLong("hakmem.bench.memory.sampleMs", 50),
            Long.getLong("hakmem.bench.memory.seed", 42));

    MemorySettings {
        if (!(scale > 0) || !(timeScale > 0) || settleMs < 0 || sampleMs < 1) {
            throw new IllegalArgumentException("hakmem.bench.memory: scale and timeScale must be positive, settleMs at "
                    + "least 0, sampleMs at least 1");
        }
    }

    private static double positive(String property, double fallback) {
        String v = System.getProperty(property);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(property + " wants a number, got '" + v + "'");
        }
    }
}
