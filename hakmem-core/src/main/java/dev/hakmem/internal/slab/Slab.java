package dev.hakmem.internal.slab;

import dev.hakmem.internal.size.SizeClasses;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A span of one or more consecutive 64 KiB slabs of a SuperSlab, carved into blocks of one size
 * class. The span's metadata lives here, on the Java heap, never inside the blocks.
 *
 * <pre>
 * base                                                    base + slots * 64 KiB
 * | block 0 | block 1 | ... | block carved-1 | never handed out ... | tail |
 * block i is at base + i * blockSize;  i &lt; capacity
 *
 * a block is in exactly one of these states:
 *   uncarved   i &gt;= carved
 *   available  freeMap bit i set               (counted in freeCount)
 *   cached     in some heap's thread cache     (LIVE bit clear)
 *   live       LIVE bit set in the {@link Shadow}
 *   remote     LIVE and REMOTE bits set: freed by another thread, not yet collected
 * used = cached + live + remote  (blocks out of the span)
 * </pre>
 *
 * Everything but {@link #remotePending} is accessed only by the thread holding {@link #owner},
 * or by the pool under its lock while the span has no owner.
 */
public final class Slab {
    public final SuperSlab ss;
    public final long base;
    public final int firstSlot;
    public final int slots;
    public final int cls;
    public final int blockSize;
    public final long magic;
    public final int capacity;

    /** Bit i set: block i is available in the span. */
    private final long[] freeMap;
    public int freeCount;
    private int cursor;
    public int carved;
    public int used;

    /** The heap allowed to carve and free locally, or {@code null} while the span sits in the pool. */
    public SlabOwner owner;

    /**
     * {@code owner.platformThread}: the platform thread whose frees into this span are local, or
     * {@code null} (shared heap, or no owner). Compared with {@code Thread.currentThread()} on
     * the free path, which the JIT hoists out of loops: one load, no thread id needed.
     */
    public Thread ownerThread;

    /**
     * The owner's magazine array while this is its owner's current span for its class (tiny
     * and mid classes only), else {@code null}: only blocks of such hot spans go into thread
     * caches on free, so a cache pins at most the current span of each class and every other
     * span empties out as its blocks are freed. Holding the array itself saves the free path
     * the loads of the owner and of its array, and the class's slot is {@link #magBase}.
     */
    public long[] hotMag;

    /** Index of this class's magazine header in {@link #hotMag} (set with it). */
    public int magBase;

    /** When the span was last given back empty, while it waits in the pool's span cache. Pool lock. */
    public long idleSince;

    /** 1 when remote frees may be waiting in {@link SuperSlab#remote}; see the remote-free protocol. */
    public volatile int remotePending;

    // ---- the owner's per-class lists (intrusive, doubly linked) ----
    public Slab prev;
    public Slab next;
    public byte list;

    private static final VarHandle PENDING;

    static {
        try {
            PENDING = MethodHandles.lookup().findVarHandle(Slab.class, "remotePending", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Makes the span findable from its addresses ({@code on}) or not. Pool lock held. */
    public void map(boolean on) {
        SlabMap.map(this, on);
    }

    public Slab(SuperSlab ss, int firstSlot, int slots, int cls) {
        this.ss = ss;
        this.firstSlot = firstSlot;
        this.slots = slots;
        this.base = ss.base + ((long) firstSlot << SizeClasses.SLAB_SHIFT);
        this.cls = cls;
        this.blockSize = SizeClasses.size(cls);
        this.magic = SizeClasses.magic(cls);
        this.capacity = slots * SizeClasses.SLAB_SIZE / blockSize;
        this.freeMap = new long[(capacity + 63) >>> 6];
    }

    /** Length of the span in bytes: its slabs times 64 KiB. */
    public long bytes() {
        return (long) slots << SizeClasses.SLAB_SHIFT;
    }

    /** Block index of {@code a}, which must lie in this span; exact only when {@code a} is a block start. */
    public long indexOf(long a) {
        return ((a - base) * magic) >>> SizeClasses.MAGIC_SHIFT;
    }

    /** True when {@code a} is the start of a block that has been carved. */
    public boolean isBlockStart(long a) {
        long o = a - base;
        long i = (o * magic) >>> SizeClasses.MAGIC_SHIFT;
        return o >= 0 && i * blockSize == o && i < carved;
    }

    /** No block can be taken without collecting remote frees first. */
    public boolean exhausted() {
        return freeCount == 0 && carved == capacity;
    }

    /**
     * Moves up to {@code max} blocks out of the span into {@code dst[at .. at+n)}, available
     * blocks first, then fresh ones. Owner only.
     *
     * @return n
     */
    public int take(long[] dst, int at, int max) {
        int n = 0;
        if (freeCount > 0) {
            long[] fm = freeMap;
            int w = cursor;
            while (n < max && freeCount > 0) {
                long bits = fm[w];
                while (bits != 0 && n < max) {
                    int b = Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    dst[at + n++] = base + (long) ((w << 6) + b) * blockSize;
                    freeCount--;
                }
                fm[w] = bits;
                if (bits == 0) {
                    w = w + 1 == fm.length ? 0 : w + 1;
                }
            }
            cursor = w;
        }
        while (n < max && carved < capacity) {
            dst[at + n++] = base + (long) (carved++) * blockSize;
        }
        used += n;
        return n;
    }

    /** Puts block {@code a} (a block start of this span, out of the span) back. Owner only. */
    public void give(long a) {
        giveIndex((int) indexOf(a));
    }

    /** Puts block {@code i} back. Owner only. */
    public void giveIndex(int i) {
        freeMap[i >>> 6] |= 1L << i;
        freeCount++;
        used--;
    }

    /**
     * Hands a span the pool kept, empty, to a new owner: its carved blocks are all available, and
     * its shadow bits and pending flag were cleared when it was kept. Pool lock held.
     */
    public void reuse(SlabOwner newOwner) {
        owner = newOwner;
        ownerThread = newOwner.platformThread;
    }

    /** Zeroes the shadow bits its blocks may have left (see {@link Shadow#clearBlocks}). Pool lock held, no owner. */
    public void clearShadow() {
        Shadow.clearBlocks(base, blockSize, carved);
    }

    /** Claims the pending flag (sets it to 0) and returns whether it was set. Owner only. */
    public boolean claimPending() {
        return remotePending != 0 && (int) PENDING.getAndSet(this, 0) != 0;
    }

    /** Whether block {@code i} is available in the span (for checks and tests). */
    public boolean isAvailable(int i) {
        return (freeMap[i >>> 6] & (1L << i)) != 0;
    }

    @Override
    public String toString() {
        return "span@0x" + Long.toHexString(base) + "[class " + cls + ", " + blockSize + " B x " + capacity
                + ", used " + used + "]";
    }
}
