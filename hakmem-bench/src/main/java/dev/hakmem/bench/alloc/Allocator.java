package dev.hakmem.bench.alloc;

import java.util.Optional;

/**
 * One allocator under test, as the drivers see it.
 *
 * <p>Drivers never hold raw handles: they ask the allocator for a {@link BlockTable} of slots
 * and allocate into and free from slots. An adapter that needs an object per block (a Netty
 * {@code ByteBuf}, a JDK {@code Arena}) keeps it in its own table next to the address, so the
 * hot path never looks anything up in a map, and address-only adapters carry no objects at all.
 *
 * <p>Every forked benchmark JVM loads exactly one adapter, so the calls through these
 * interfaces are monomorphic there and the JIT inlines them.
 */
public interface Allocator {

    /** The adapter's name as used on the command line ({@code hakmem}, {@code glibc}, ...). */
    String name();

    /**
     * A new table of {@code capacity} empty slots.
     *
     * @param freedByOtherThreads whether blocks of this table may be freed by a thread other than
     *                            the one that allocated them (only the {@code jdk-arena} adapter
     *                            cares: it must use shared instead of confined arenas then)
     */
    BlockTable newTable(int capacity, boolean freedByOtherThreads);

    /**
     * Whether blocks are real, distinct memory. The {@code null} adapter hands every caller the
     * same address, so drivers skip their read-back checks for it.
     */
    default boolean distinctBlocks() {
        return true;
    }

    /** The allocator's own OS counters, or {@code null} if it keeps none (only hakmem does). */
    default AllocatorCounters counters() {
        return null;
    }

    /**
     * The allocator's own call that gives free memory back to the OS, or empty if its API has
     * none. A native library's symbol is looked up on the first call (in the process's global
     * scope, so the preloaded library's); a missing symbol is an {@link IllegalStateException}.
     */
    default Optional<Trim> trim() {
        return Optional.empty();
    }
}
