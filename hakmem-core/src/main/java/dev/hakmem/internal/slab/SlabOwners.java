package dev.hakmem.internal.slab;

import dev.hakmem.internal.os.Os;
import dev.hakmem.internal.os.Reservation;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Who may free into each 64 KiB slab without a lock: one word per slab of the reservation, in
 * native memory found by address arithmetic, so the owner's free tests ownership with one load
 * that depends only on the address, beside the shadow's, instead of the chain SpanMap chunk -&gt;
 * {@link Span} -&gt; owner thread -&gt; owner's magazines.
 *
 * <pre>
 * entry(a) = TABLE + ((a - BASE) &gt;&gt;&gt; 16) * 8
 *   (ownerId &lt;&lt; 24) | b     the span mapped at a's slab belongs to the heap of platform thread
 *                            ownerId (its magazines are MAGS[ownerId &amp; MASK] while that thread
 *                            holds its table slot), and its class's magazine header is at index
 *                            b = {@link Magazines#base}(cls) of them (the free needs no multiply)
 *   0                        no span, a span in the pool or the cache, a shared heap's span
 * </pre>
 *
 * <p>Invariant: a non-zero entry names the span's {@link Span#ownerThread} and class; it is
 * written with them ({@link Span#setOwner}, {@link Span#setOwnerThread}) at every slab
 * {@link SpanMap} maps for the span, and zeroed when the span loses its owner (released, cached
 * or orphaned). Writers hold the pool lock, the registry lock or the span; the free path reads
 * plainly, as it reads {@code ownerThread}: a thread finds its own id only in entries it wrote
 * itself or that a lock it took since published, and a match is then confirmed by its magazines'
 * owner word (the heap is idle and its own). A stale entry can only miss, never match another
 * thread: thread ids are never reused.
 *
 * <p>The region is one {@code mmap(PROT_READ|PROT_WRITE, MAP_NORESERVE)} of reservation / 8192
 * bytes (32 MiB of address space for the default 256 GiB): a page of it covers 32 MiB of
 * SuperSlabs and costs nothing until written.
 */
final class SlabOwners {
    private SlabOwners() {}

    private static final MemorySegment ALL = Os.ALL;
    /** Plain accesses, as in {@link Shadow} (one frame less than {@code ALL.get(layout, offset)}). */
    private static final VarHandle PLAIN = ValueLayout.JAVA_LONG_UNALIGNED.varHandle();
    static final long BASE = Reservation.BASE;
    /** Bytes of the reservation: an address a is in it iff {@code a - BASE} is below this, unsigned. */
    static final long SIZE = Reservation.SIZE;
    /** Start of the table (0 when there is no reservation). */
    private static final long TABLE;

    static {
        long t = 0;
        if (SIZE > 0) {
            t = Os.mmap(0, SIZE >>> (SizeClasses.SLAB_SHIFT - 3), Os.PROT_READ | Os.PROT_WRITE, Os.MAP_NORESERVE);
        }
        TABLE = t;
    }

    /** {@code TABLE - (BASE >>> 13)}: with BASE 64 KiB-aligned, the entry of a is this plus {@code (a >>> 13) & ~7}. */
    private static final long BIAS = TABLE - (BASE >>> (SizeClasses.SLAB_SHIFT - 3));

    /** Address of the entry of address {@code a}, which must lie in the reservation. */
    static long entryAddress(long a) {
        return BIAS + ((a >>> (SizeClasses.SLAB_SHIFT - 3)) & ~7L);
    }

    /** The entry of address {@code a}, which must lie in the reservation (plain read). */
    static long get(long a) {
        return (long) PLAIN.get(ALL, entryAddress(a));
    }

    /** The entry for a span of class {@code cls} owned by the heap of platform thread {@code owner}, or 0 for none. */
    static long entry(Thread owner, int cls) {
        return owner == null ? 0 : owner.threadId() << 24 | Magazines.base(cls);
    }

    /** The owner id of entry {@code e} (0 for none). */
    static long ownerId(long e) {
        return e >>> 24;
    }

    /** The index of the class's magazine header named by entry {@code e}. */
    static int magBase(long e) {
        return (int) e & 0xFF_FFFF;
    }

    /** Writes {@code e} at every slab of span {@code s} that {@link SpanMap} maps ({@link Span#mappedSlabs}). */
    static void publish(Span s, long e) {
        if (TABLE == 0) {
            return;
        }
        for (int k = 0, n = s.mappedSlabs(); k < n; k++) {
            set(s.mappedSlab(k), e);
        }
    }

    /** Whether every entry of span {@code s} names its owner thread and class (for asserts; the span's holder or the pool lock). */
    static boolean matches(Span s) {
        if (TABLE == 0) {
            return true;
        }
        long e = s.ownerEntry();
        for (int k = 0, n = s.mappedSlabs(); k < n; k++) {
            if (get(s.mappedSlab(k)) != e) {
                return false;
            }
        }
        return true;
    }

    private static void set(long a, long e) {
        PLAIN.set(ALL, entryAddress(a), e);
    }

    static {
        assert Magazines.SLOTS <= 0x100_0000 : "magazine indices do not fit an entry's 24 bits";
        assert (BASE & (SizeClasses.SLAB_SIZE - 1)) == 0 : "reservation not slab-aligned";
    }
}
