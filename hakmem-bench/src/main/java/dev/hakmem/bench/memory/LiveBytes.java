package dev.hakmem.bench.memory;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The bytes a memory driver holds: the requested sizes of the blocks it has allocated and not yet
 * freed, updated on every allocation and free (so exact whenever no call is in flight), with the
 * highest value reached and the number of allocations. Thread-safe.
 */
public final class LiveBytes {

    private final AtomicLong live = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private final LongAdder allocations = new LongAdder();

    /** Counts one allocation of {@code bytes}. */
    public void allocated(long bytes) {
        long now = live.addAndGet(bytes);
        allocations.increment();
        long p = peak.get();
        while (now > p && !peak.compareAndSet(p, now)) {
            p = peak.get();
        }
    }

    /** Counts the free of a block of {@code bytes}. */
    public void freed(long bytes) {
        live.addAndGet(-bytes);
    }

    /** Bytes held now. */
    public long get() {
        return live.get();
    }

    /** The most bytes held at once so far. */
    public long peak() {
        return peak.get();
    }

    /** Allocations so far. */
    public long allocations() {
        return allocations.sum();
    }
}
