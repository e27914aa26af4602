package dev.hakmem.internal.os;

import dev.hakmem.internal.config.Config;

import dev.hakmem.internal.event.Events;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes mapped read-write from the OS, and the optional limit on them
 * ({@code hakmem.maxMemory} / {@code HAKMEM_MAX_MEMORY}, like {@code -XX:MaxDirectMemorySize}).
 * Charged before a mapping is made and credited after it is released, so the limit is never
 * exceeded even by racing threads.
 */
public final class MemoryBudget {
    private MemoryBudget() {}

    /** The limit in bytes; {@code Long.MAX_VALUE} when none is set. */
    public static final long MAX = Config.size("maxMemory", Long.MAX_VALUE);

    private static final AtomicLong MAPPED = new AtomicLong();

    /** Charges {@code bytes}; returns {@code false} (charging nothing) when the limit would be passed. */
    public static boolean tryCharge(long bytes) {
        while (true) {
            long cur = MAPPED.get();
            long next = cur + bytes;
            if (next > MAX || next < 0) {
                return false;
            }
            if (MAPPED.compareAndSet(cur, next)) {
                return true;
            }
        }
    }

    public static void credit(long bytes) {
        MAPPED.addAndGet(-bytes);
    }

    public static long mapped() {
        return MAPPED.get();
    }

    /**
     * The message of the {@link OutOfMemoryError} thrown when an allocation would pass the limit;
     * also emits the {@code dev.hakmem.LimitReached} Flight Recorder event.
     */
    public static String limitMessage(long request) {
        Events.limitReached(request, MAX);
        return "hakmem: mapping " + request + " more bytes would pass the limit hakmem.maxMemory="
                + MAX + " (mapped now: " + MAPPED.get() + ")";
    }
}
