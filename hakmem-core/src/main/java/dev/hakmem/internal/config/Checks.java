package dev.hakmem.internal.config;

/**
 * The default safety checks: every free, realloc and usableSize validates its address (block
 * start, live, not already queued as a remote free) from the block-state bitmaps, which malloc
 * keeps up to date. On unless {@code hakmem.checks=off} / {@code HAKMEM_CHECKS=off}; off, a bad
 * pointer or a double free is undefined behaviour as in C (it can corrupt the heap), in exchange
 * for the last few percent of speed.
 */
public final class Checks {
    private Checks() {}

    public static final boolean ON = Config.flag("checks", true);
}
