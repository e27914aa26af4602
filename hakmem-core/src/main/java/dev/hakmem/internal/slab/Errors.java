package dev.hakmem.internal.slab;

import dev.hakmem.internal.event.Events;
import dev.hakmem.internal.huge.HugeTier;

import java.util.Map;

/**
 * Builds the exceptions for misuse; every message names the operation, the address, the size class and the reason.
 * Each factory also emits a {@code dev.hakmem.Misuse} Flight Recorder event (free unless a recording is running).
 */
final class Errors {
    private Errors() {}

    /** Emits the misuse event for {@code e} and returns it. */
    private static <E extends RuntimeException> E reported(String op, long a, E e) {
        Events.misuse(op, a, e.getMessage());
        return e;
    }

    static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }

    static IllegalArgumentException unknown(String op, long a) {
        return reported(op, a, new IllegalArgumentException("hakmem: " + op + "(" + hex(a)
                + "): address was not returned by hakmem (not a block of any SuperSlab or direct mapping)"));
    }

    /**
     * For an address in no span: an 8-byte aligned address in a slab slot that a span was ever
     * formatted on is memory hakmem handed out and took back: a span released after its blocks
     * were freed, its pages perhaps given back to the OS since, the SuperSlab's too
     * ({@link SuperSlab#everUsedMask}); else a huge block freed before, an interior address of a
     * huge block, or unknown.
     */
    static RuntimeException noBlockAt(String op, long a) {
        Span covering = SpanMap.covering(a);
        if (covering != null) {
            return notBlockStart(op, a, covering);  // inside a large block, in a slab no block starts in
        }
        SuperSlab ss = SuperSlabs.of(a);
        int slot = ss != null ? 1 << ((a - ss.base) >>> SizeClasses.SLAB_SHIFT) : 0;
        if ((a & 7) == 0 && (slot & (ss != null ? ss.everUsedMask : 0)) != 0) {
            boolean resident = ss.state != SuperSlab.RELEASED && (ss.touchedMask & slot) != 0;
            return reported(op, a, new IllegalStateException("hakmem: " + op + "(" + hex(a)
                    + "): address lies in hakmem memory that holds no live block (its span was freed"
                    + (resident ? "" : " and its pages went back to the OS") + "; double free or stale pointer?)"));
        }
        Map.Entry<Long, Long> in = HugeTier.containing(a);
        if (in != null) {
            return reported(op, a, new IllegalArgumentException("hakmem: " + op + "(" + hex(a)
                    + "): interior address of the huge block at " + hex(in.getKey()) + " (" + in.getValue() + " bytes)"));
        }
        if (HugeTier.wasFreed(a)) {
            return reported(op, a, new IllegalStateException("hakmem: " + op + "(" + hex(a)
                    + "): huge block (direct mapping) is already free (double free?)"));
        }
        return unknown(op, a);
    }

    /**
     * For an address inside a span that is not the start of a carved block. An address no block
     * can ever start at (not 8-byte aligned, or in the span's unused tail) or inside a live
     * block is an {@link IllegalArgumentException}; an aligned address inside a block that is
     * not live is memory hakmem handed out and took back, whose span was re-formatted since
     * (for another class): a stale pointer, so an {@link IllegalStateException}.
     */
    static RuntimeException notBlockStart(String op, long a, Span s) {
        long o = a - s.base;
        long i = o / s.blockSize;
        long start = s.base + i * s.blockSize;
        String where = " (size class " + s.cls + ", " + s.blockSize + " B blocks)";
        if ((a & 7) != 0 || i >= s.capacity) {
            return reported(op, a, new IllegalArgumentException("hakmem: " + op + "(" + hex(a)
                    + "): no block can start at this address" + where));
        }
        if (i < s.carved && Shadow.isLiveAndNotQueued(start)) {
            return reported(op, a, new IllegalArgumentException("hakmem: " + op + "(" + hex(a)
                    + "): interior address of the live block at " + hex(start) + where));
        }
        return reported(op, a, new IllegalStateException("hakmem: " + op + "(" + hex(a) + "): address lies in hakmem "
                + "memory that holds no live block (a stale pointer to a block freed before its memory was reused? "
                + "double free?)" + where));
    }

    /**
     * For an address in a lease of span {@code s} that is not the start of a live lent block: not
     * 8-byte aligned, or inside a live lent block, an {@link IllegalArgumentException}; else lent
     * memory that holds no live block (a lent block freed: a double free, a stale pointer), an
     * {@link IllegalStateException}.
     */
    static RuntimeException inLease(String op, long a, Span s) {
        String where = " (lent out of a span of size class " + s.cls + ", " + s.blockSize + " B blocks)";
        if ((a & 7) != 0) {
            return reported(op, a, new IllegalArgumentException("hakmem: " + op + "(" + hex(a)
                    + "): no block can start at this address" + where));
        }
        long start = s.lentBlockAround(a);
        if (start != 0) {
            return reported(op, a, new IllegalArgumentException("hakmem: " + op + "(" + hex(a)
                    + "): interior address of the live block at " + hex(start) + " (" + s.lentSize(start) + " B)" + where));
        }
        return reported(op, a, new IllegalStateException("hakmem: " + op + "(" + hex(a) + "): address lies in lent "
                + "memory that holds no live block (a block freed already: double free? a stale pointer?)" + where));
    }

    static IllegalStateException notLive(String op, long a, Span s) {
        return notLive(op, a, s.classAt(a));
    }

    /**
     * A free of a block whose REMOTE bit is set: another thread's free of it is queued for the
     * block's owner (a double free, told apart from a block already back in its span, so that a
     * report names which state the block was found in).
     */
    static IllegalStateException queued(String op, long a, int cls) {
        return reported(op, a, new IllegalStateException(alreadyFree(op, a, cls)
                + ": a free of it by another thread is queued for its owner"));
    }

    /** The refusal of a remote free's push ({@link RemoteFree}'s outcome {@code r}, not OK). */
    static IllegalStateException refusedPush(String op, long a, int cls, int r) {
        return r == RemoteFree.ALREADY_QUEUED ? queued(op, a, cls) : notLive(op, a, cls);
    }

    /**
     * A block found not live (its LIVE bit clear): already free, with where it is now
     * ({@link Whereabouts}): the evidence for the double free, or its absence.
     */
    static IllegalStateException notLive(String op, long a, int cls) {
        return reported(op, a, new IllegalStateException(alreadyFree(op, a, cls) + ": " + Whereabouts.of(a)));
    }

    private static String alreadyFree(String op, long a, int cls) {
        return "hakmem: " + op + "(" + hex(a) + "): block of size class " + cls + " (" + SizeClasses.size(cls)
                + " B) is already free (double free?)";
    }
}
