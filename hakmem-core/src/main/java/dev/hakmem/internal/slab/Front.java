package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Checks;
import dev.hakmem.internal.huge.HugeTier;
import dev.hakmem.internal.os.Os;

import java.lang.foreign.MemorySegment;

/**
 * The allocation and free paths. The fast paths are a few dozen bytecodes each so the JIT
 * inlines them into the caller:
 *
 * <pre>
 * malloc(size &lt;= 32 KiB):  class = table[(size+7)/8]
 *                          t = the carrier ({@link Carriers}: the thread itself, or a virtual thread's carrier)
 *                          magazines = MAGS[t.id &amp; MASK], used if word 0 == t.id (acquire)
 *                          pop the class magazine, set the block's LIVE bit      -- else refill
 * free(a):                 span = SpanMap[a]                       (none -&gt; huge tier or exception)
 *                          (checks on) LIVE bit of a set, REMOTE clear, a 8-byte aligned and
 *                          span.ownerThread == the carrier:
 *                            a platform thread: clear LIVE, push into span.hotMag if the span is
 *                            current, else back into the span; no division needed
 *                            a virtual thread: the same once its carrier's heap is idle (acquire)
 *                          otherwise (slow path): the full checks, then as above, or a remote
 *                          free (one atomic OR)
 * </pre>
 * Everything else (first use of a thread, shared heaps, refill, flush, big blocks, errors) is in
 * separate methods.
 */
public final class Front {
    private Front() {}

    // ------------------------------------------------------------------ malloc

    public static long malloc(long size) {
        if (Long.compareUnsigned(size, SizeClasses.MAX_SMALL) <= 0) {
            return allocSmall(SizeClasses.classOf(size));
        }
        return mallocBig(size);
    }

    /** A block of class {@code c} from the carrier's heap, else from the slow path. */
    private static long allocSmall(int c) {
        Thread t = Carriers.current();
        long tid = t.threadId();
        int i = (int) tid & Heaps.MASK;
        long[] m = Heaps.MAGS[i];
        if (Magazines.owner(m) == tid) {
            long a = Magazines.pop(m, c);
            // the heap is looked up only on a miss: word 0 == tid means table slot i is ours
            return a != 0 ? a : Heaps.HEAPS[i].refill(c);
        }
        return allocSlow(t, c);
    }

    /** A block of class {@code c}. */
    public static long allocClass(int c) {
        return allocSmall(c);
    }

    /**
     * The fast path missed: a platform thread without a heap yet; a virtual thread whose carrier
     * has no heap yet (one is made, then the fast path is tried again) or whose carrier's heap is
     * BUSY; or a virtual thread without carriers. The last two claim a shared heap.
     */
    private static long allocSlow(Thread carrier, int c) {
        Thread t = Thread.currentThread();
        if (!t.isVirtual()) {
            Heap own = Heaps.ofPlatformThread(t);
            if (own.notBorrowed()) {
                return own.alloc(c);
            }
            // borrowed by a thread giving memory back while this one was blocked: a shared heap meanwhile
        } else if (Carriers.AVAILABLE && Heaps.prepareCarrier(carrier)) {
            return allocSmall(c);
        }
        Heap h = SharedHeaps.claim(t);
        try {
            return h.alloc(c);
        } finally {
            h.unclaim();
        }
    }

    /** Blocks above the mid tier (large classes, huge mappings), and negative sizes. */
    private static long mallocBig(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("hakmem: negative size " + size);
        }
        if (size <= SizeClasses.MAX_SIZE) {
            return allocClass(SizeClasses.classOfAny(size));
        }
        return HugeTier.allocate(size, 16, false);
    }

    /** {@code size} bytes aligned to {@code alignment}, a power of two (checked by the caller). */
    public static long alignedAlloc(long alignment, long size) {
        if (size < 0) {
            throw new IllegalArgumentException("hakmem: alignedAlloc(" + alignment + ", " + size + "): negative size");
        }
        if (alignment <= 8) {
            return malloc(size);
        }
        int c = SizeClasses.classOfAligned(size, alignment);
        if (c >= 0) {
            return allocClass(c);
        }
        return HugeTier.allocate(size, alignment, false);
    }

    // ------------------------------------------------------------------ free

    public static void free(long a) {
        Span s = SpanMap.of(a);
        if (s != null) {
            if (Checks.ON) {
                // A set LIVE bit at an 8-byte aligned address proves a live block starts there
                // (LIVE bits are set only at block starts, blocks never overlap and every span
                // starts with its bits clear, see Shadow), so the owner's common case needs no
                // division check; everything else goes on to freeSlow, which checks in full.
                long w = Shadow.word(a);
                long lw = Shadow.get(w);
                long free = lw & ~Shadow.get(w + 8);
                // bit 0 of (free >>> granule): live and not queued as a remote free; it beats
                // (a & 7) only when it is 1 and a is 8-byte aligned: one compare for both
                if (((free >>> (a >>> 3)) & 1) > (a & 7)) {
                    Thread c = Carriers.current();
                    if (s.ownerThread == c) {
                        if (c == Thread.currentThread()) {
                            // a platform thread and its own heap (unless borrowed while it was blocked)
                            if (Heap.freeOwn(s, a, w, lw)) {
                                return;
                            }
                        } else if (Heap.freeOnCarrier(s, a, c)) {
                            return;
                        }
                    }
                }
            }
            freeSlow(s, a);
            return;
        }
        freeOther(a);
    }

    /** Every free of a span block but the owner's free of a live block (checks on): full validation. */
    private static void freeSlow(Span s, long a) {
        long o = a - s.base;
        long i = (o * s.magic) >>> SizeClasses.MAGIC_SHIFT;
        if (!Checks.ON || (i * s.blockSize == o && i < s.carved)) {
            Thread t = Thread.currentThread();
            Thread c = Carriers.current();
            if (s.ownerThread == c) {
                if (c == t) {
                    if (s.owner.notBorrowed()) {
                        freeLocal(s, a);
                        return;
                    }
                    freeRemote(s, a, t); // borrowed by a thread giving memory back: its owner collects later
                    return;
                }
                if (Heap.carrierHeapIdle(c) && s.ownerThread == c) {
                    freeLocal(s, a);
                    return;
                }
            }
            freeRemote(s, a, t);
            return;
        }
        throw Errors.notBlockStart("free", a, s);
    }

    /** Frees block {@code a} of span {@code s} into its heap, which the caller holds. */
    private static void freeLocal(Span s, long a) {
        if (Checks.ON) {
            long w = Shadow.word(a);
            long m = Shadow.bit(a);
            long aw = Shadow.get(w);
            if ((aw & m) == 0 || (Shadow.get(w + 8) & m) != 0) {
                throw Errors.notLive("free", a, s);
            }
            Shadow.set(w, aw & ~m);
        }
        Heap.freeValidated(s, a);
    }

    /**
     * A free by a thread that does not own the span. A virtual thread first tries to claim the
     * span's shared heap and free locally (one CAS, nothing left to collect); otherwise the block
     * is queued as a remote free.
     */
    private static void freeRemote(Span s, long a, Thread t) {
        Heap h = s.owner;
        if (t.isVirtual() && h != null && h.shared && h.tryClaim(t)) {
            try {
                if (s.owner == h) {
                    freeLocal(s, a);
                    return;
                }
            } finally {
                h.unclaim();
            }
        }
        int r = RemoteFree.push(s, a);
        if (r != RemoteFree.OK) {
            throw Errors.notLive("free", a, s);
        }
        Heap mine = Heaps.fast(t);
        if (mine != null && mine.notBorrowed()) {
            mine.counters.inc(s.cls, Counters.REMOTE_FREES);
        } else {
            Heaps.countUnownedFree(s.cls);
        }
    }

    private static void freeOther(long a) {
        if (a == 0) {
            return;
        }
        if (!HugeTier.free(a)) {
            throw Errors.noBlockAt("free", a);
        }
    }

    // ------------------------------------------------------------------ queries

    /**
     * Usable size of the live block at {@code a}.
     *
     * @throws IllegalArgumentException if {@code a} is not a block start hakmem handed out
     * @throws IllegalStateException    if the block is free
     */
    public static long usableSize(long a, String op) {
        Span s = SpanMap.of(a);
        if (s != null) {
            if (!s.isBlockStart(a)) {
                throw Errors.notBlockStart(op, a, s);
            }
            if (Checks.ON && !Shadow.isLiveAndNotQueued(a)) {
                throw Errors.notLive(op, a, s);
            }
            return s.blockSize;
        }
        long len = HugeTier.lengthOf(a);
        if (len < 0) {
            throw Errors.noBlockAt(op, a);
        }
        return len;
    }

    /** Zeroes {@code n} bytes at {@code a}. */
    public static void zero(long a, long n) {
        if (n > 0) {
            Os.ALL.asSlice(a, n).fill((byte) 0);
        }
    }

    /** Copies {@code n} bytes. */
    public static void copy(long from, long to, long n) {
        if (n > 0) {
            MemorySegment.copy(Os.ALL, from, Os.ALL, to, n);
        }
    }
}
