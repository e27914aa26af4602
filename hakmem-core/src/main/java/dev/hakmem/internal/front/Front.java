package dev.hakmem.internal.front;

import dev.hakmem.internal.Checks;
import dev.hakmem.internal.os.Os;
import dev.hakmem.internal.remote.RemoteFree;
import dev.hakmem.internal.size.SizeClasses;
import dev.hakmem.internal.slab.Shadow;
import dev.hakmem.internal.slab.Slab;
import dev.hakmem.internal.slab.SlabMap;
import dev.hakmem.internal.tier.HugeTier;

/**
 * The allocation and free paths. The fast paths are a few dozen bytecodes each so the JIT
 * inlines them into the caller:
 *
 * <pre>
 * malloc(size &lt;= 32 KiB):  class = table[(size+7)/8]
 *                          magazines = MAGS[threadId &amp; MASK], used if word 0 == threadId
 *                          pop the class magazine, set the block's LIVE bit      -- else refill
 * free(a):                 span = SlabMap[a]                       (none -&gt; huge tier or exception)
 *                          a must be a block start (multiply-shift division, no divide)
 *                          span.ownerTid == threadId: LIVE set, REMOTE clear -&gt; clear LIVE,
 *                          push if the span is the class's current one, else back into the span
 *                          else: remote free (one atomic OR)
 * </pre>
 * Everything else (first use of a thread, virtual threads, refill, flush, big blocks, errors)
 * is in separate methods.
 */
public final class Front {
    private Front() {}


    // ------------------------------------------------------------------ malloc

    public static long malloc(long size) {
        if (Long.compareUnsigned(size, SizeClasses.MAX_SMALL) <= 0) {
            int c = SizeClasses.classOf(size);
            Thread t = Thread.currentThread();
            long tid = t.threadId();
            long[] m = Heaps.MAGS[(int) tid & Heaps.MASK];
            if (m[0] == tid) {
                return Heap.pop(m, c, Heaps.HEAPS[(int) tid & Heaps.MASK]);
            }
            return allocSlow(t, c);
        }
        return mallocBig(size);
    }

    /** A block of class {@code c}. */
    public static long allocClass(int c) {
        Thread t = Thread.currentThread();
        Heap h = Heaps.fast(t);
        return h != null ? h.alloc(c) : allocSlow(t, c);
    }

    private static long allocSlow(Thread t, int c) {
        if (t.isVirtual()) {
            Heap h = Heaps.claimShared(t);
            try {
                return h.alloc(c);
            } finally {
                h.unclaim();
            }
        }
        return Heaps.ofPlatformThread(t).alloc(c);
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
        Slab s = SlabMap.of(a);
        if (s != null) {
            long o = a - s.base;
            long i = (o * s.magic) >>> SizeClasses.MAGIC_SHIFT;
            if (!Checks.ON || (i * s.blockSize == o && i < s.carved)) {
                Thread t = Thread.currentThread();
                if (s.ownerTid == t.threadId()) {
                    freeLocal((Heap) s.owner, s, a, i);
                    return;
                }
                freeRemote(s, a, i, t);
                return;
            }
            throw Errors.notBlockStart("free", a, s);
        }
        freeOther(a);
    }

    /** Frees block {@code a} (index {@code i}) of span {@code s} into its heap {@code h}, which the caller holds. */
    private static void freeLocal(Heap h, Slab s, long a, long i) {
        if (Checks.ON) {
            long w = Shadow.word(a);
            long m = Shadow.bit(a);
            long aw = Shadow.get(w);
            if ((aw & m) == 0 || (Shadow.get(w + 8) & m) != 0) {
                throw Errors.notLive("free", a, s);
            }
            Shadow.set(w, aw & ~m);
        }
        if (s.hot) {
            h.push(s.cls, a);
        } else {
            h.freeToSpan(s, a, (int) i);
        }
    }

    /**
     * A free by a thread that does not own the span. A virtual thread first tries to claim the
     * span's shared heap and free locally (one CAS, nothing left to collect); otherwise the block
     * is queued as a remote free.
     */
    private static void freeRemote(Slab s, long a, long i, Thread t) {
        if (t.isVirtual() && s.owner instanceof Heap h && h.shared && h.tryClaim(t)) {
            try {
                if (s.owner == h) {
                    freeLocal(h, s, a, i);
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
        if (mine != null) {
            mine.ctr[(s.cls << Heap.CTR_SHIFT) + Heap.REMOTE_FREES]++;
        } else {
            Heaps.UNOWNED_FREES[s.cls].increment();
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
        Slab s = SlabMap.of(a);
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
            java.lang.foreign.MemorySegment.copy(Os.ALL, from, Os.ALL, to, n);
        }
    }
}
