package dev.hakmem.bench.memory;

/**
 * The samples of one memory-suite JVM.
 *
 * @param driver      memory driver
 * @param allocator   adapter
 * @param fork        which JVM, from 1
 * @param baselineKiB the JVM's baseline RSS, KiB
 * @param samples     {@code [i] = {ms since the baseline, live bytes, RSS KiB}}
 */
record Series(String driver, String allocator, int fork, long baselineKiB, long[][] samples) {}
