package dev.hakmem.internal.front;

import dev.hakmem.internal.pool.SlabPool;
import dev.hakmem.internal.remote.RemoteFree;
import dev.hakmem.internal.size.SizeClasses;
import dev.hakmem.internal.slab.Slab;
import dev.hakmem.internal.slab.SlabOwner;
import dev.hakmem.internal.slab.SuperSlab;
import dev.hakmem.internal.slab.SuperSlabs;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A thread heap: per size class a magazine (a stack of free block addresses) and the spans the
 * heap owns. Everything here is used by the one thread holding the heap ({@link #thread}), so
 * nothing is atomic except the remote-free hint.
 *
 * <h2>Magazines</h2>
 * One {@code long[]} for all classes. Class {@code c} owns {@code mag[MAG_BASE[c] ..
 * MAG_BASE[c] + capacity]}:
 * <pre>
 * mag[b]        header: count in the low 32 bits, capacity in the high 32 bits
 * mag[b+1..b+count]   free block addresses, top of stack at mag[b+count]
 * </pre>
 * A pop or push is two loads and two stores on one array. A miss calls the cold
 * {@link #refill} (take a batch from the current span) or {@link #flush} (give the oldest
 * batch back to its spans).
 *
 * <h2>Spans</h2>
 * Per class: {@code current} (the span refills come from), a list of spans with available
 * blocks ({@code partial}) and a list of exhausted spans ({@code full}), which may get blocks
 * back through flushes or remote frees. Invariant: every block in this heap's magazines belongs
 * to a span owned by this heap.
 *
 * <h2>Counters</h2>
 * {@code ctr[c*4 + k]}: k = 0 allocations, 1 frees, 2 refills, 3 remote frees (counted on the
 * freeing thread's heap). Plain longs, summed by the stats snapshot.
 */
public final class Heap extends SlabOwner {
    static final int[] MAG_BASE = new int[SizeClasses.COUNT];
    static final int MAG_LEN;

    static {
        int at = 0;
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            MAG_BASE[c] = at;
            at += SizeClasses.cacheCapacity(c) + 1;
        }
        MAG_LEN = at;
    }

    static final int ALLOCS = 0;
    static final int FREES = 1;
    static final int REFILLS = 2;
    static final int REMOTE_FREES = 3;

    private static final byte NONE = 0;
    private static final byte PARTIAL = 1;
    private static final byte FULL = 2;

    private static final VarHandle THREAD;
    private static final VarHandle HINT;

    static {
        try {
            THREAD = MethodHandles.lookup().findVarHandle(SlabOwner.class, "thread", Thread.class);
            HINT = MethodHandles.lookup().findVarHandle(SlabOwner.class, "remoteHint", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long[] mag = new long[MAG_LEN];
    final long[] ctr = new long[SizeClasses.COUNT * 4];
    private final Slab[] current = new Slab[SizeClasses.COUNT];
    private final Slab[] partial = new Slab[SizeClasses.COUNT];
    private final Slab[] full = new Slab[SizeClasses.COUNT];

    /** Identity for diagnostics. */
    final int id;
    /** True for heaps shared by virtual threads (claimed per operation). */
    final boolean shared;
    /** Slot in {@link Heaps}' table, or -1. */
    int tableSlot = -1;

    Heap(int id, boolean shared) {
        this.id = id;
        this.shared = shared;
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            mag[MAG_BASE[c]] = (long) SizeClasses.cacheCapacity(c) << 32;
        }
    }

    /** Claims an unheld heap for {@code t}. */
    boolean tryClaim(Thread t) {
        return thread == null && THREAD.compareAndSet(this, (Thread) null, t);
    }

    void unclaim() {
        THREAD.setRelease(this, (Thread) null);
    }

    // ------------------------------------------------------------------ hot path

    /** Allocates a block of class {@code c}. Caller holds the heap. */
    long alloc(int c) {
        long[] m = mag;
        int b = MAG_BASE[c];
        long hdr = m[b];
        int n = (int) hdr;
        if (n > 0) {
            long a = m[b + n];
            m[b] = hdr - 1;
            markLive(a);
            ctr[c << 2]++;
            return a;
        }
        return refill(c);
    }

    /** Frees block {@code a} of class {@code c}, already validated and marked not live. */
    void push(int c, long a) {
        long[] m = mag;
        int b = MAG_BASE[c];
        long hdr = m[b];
        int n = (int) hdr;
        ctr[(c << 2) + FREES]++;
        if (n < (int) (hdr >>> 32)) {
            m[b + n + 1] = a;
            m[b] = hdr + 1;
            return;
        }
        flush(c, a);
    }

    static void markLive(long a) {
        SuperSlab ss = SuperSlabs.ofOwn(a);
        ss.alloc[SuperSlab.word(a)] |= SuperSlab.bit(a);
    }

    // ------------------------------------------------------------------ cold path

    /** The magazine of class {@code c} is empty: take a batch from spans, return one block. */
    long refill(int c) {
        ctr[(c << 2) + REFILLS]++;
        int b = MAG_BASE[c];
        int batch = SizeClasses.batch(c);
        Slab s = current[c];
        while (true) {
            if (s != null) {
                int n = s.take(mag, b + 1, batch);
                if (n > 0) {
                    mag[b] = (mag[b] & 0xFFFF_FFFF_0000_0000L) | (n - 1);
                    long a = mag[b + n];
                    markLive(a);
                    ctr[c << 2]++;
                    return a;
                }
                if (s.claimPending() && RemoteFree.collect(s) > 0) {
                    continue;
                }
                link(s, FULL);
                current[c] = null;
            }
            if (remoteHint != 0) {
                collectRemote();
            }
            s = partial[c];
            if (s != null) {
                unlink(s);
            } else {
                s = SlabPool.acquire(this, c);
            }
            current[c] = s;
        }
    }

    /** The magazine of class {@code c} is full: give its oldest batch back, then push {@code a}. */
    void flush(int c, long a) {
        int b = MAG_BASE[c];
        long hdr = mag[b];
        int n = (int) hdr;
        int batch = Math.min(SizeClasses.batch(c), n);
        for (int i = 1; i <= batch; i++) {
            giveBack(mag[b + i]);
        }
        System.arraycopy(mag, b + 1 + batch, mag, b + 1, n - batch);
        n -= batch;
        mag[b + 1 + n] = a;
        mag[b] = (hdr & 0xFFFF_FFFF_0000_0000L) | (n + 1);
    }

    /** Returns a block from a magazine to its span, releasing the span if it became empty. */
    private void giveBack(long x) {
        SuperSlab ss = SuperSlabs.ofOwn(x);
        Slab s = ss.slabOf[(int) (x >>> SizeClasses.SLAB_SHIFT) & (SuperSlab.SLABS - 1)];
        boolean wasExhausted = s.exhausted();
        s.give(x);
        settle(s, wasExhausted);
    }

    /** After blocks came back to span {@code s}: move it between lists or release it when empty. */
    private void settle(Slab s, boolean wasExhausted) {
        if (s == current[s.cls]) {
            return;
        }
        if (s.used == 0) {
            unlink(s);
            SlabPool.release(s);
        } else if (wasExhausted) {
            unlink(s);
            link(s, PARTIAL);
        }
    }

    /** Collects remote frees on every span of this heap that has some waiting. */
    void collectRemote() {
        if ((int) HINT.getAndSet(this, 0) == 0) {
            return;
        }
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            Slab cur = current[c];
            if (cur != null && cur.claimPending()) {
                RemoteFree.collect(cur);
            }
            collectList(full[c]);
            collectList(partial[c]);
        }
    }

    private void collectList(Slab s) {
        while (s != null) {
            Slab next = s.next;
            if (s.claimPending()) {
                boolean wasExhausted = s.exhausted();
                if (RemoteFree.collect(s) > 0) {
                    settle(s, wasExhausted);
                }
            }
            s = next;
        }
    }

    /** Empties every magazine back into the spans (trim, thread exit). */
    void flushAll() {
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            int b = MAG_BASE[c];
            long hdr = mag[b];
            int n = (int) hdr;
            mag[b] = hdr & 0xFFFF_FFFF_0000_0000L;
            for (int i = 1; i <= n; i++) {
                giveBack(mag[b + i]);
            }
            Slab cur = current[c];
            if (cur != null && cur.used == 0) {
                current[c] = null;
                SlabPool.release(cur);
            }
        }
        remoteHint = 1;
        collectRemote();
    }

    private void link(Slab s, byte list) {
        Slab[] heads = list == FULL ? full : partial;
        Slab h = heads[s.cls];
        s.prev = null;
        s.next = h;
        if (h != null) {
            h.prev = s;
        }
        heads[s.cls] = s;
        s.list = list;
    }

    private void unlink(Slab s) {
        if (s.list == NONE) {
            return;
        }
        Slab[] heads = s.list == FULL ? full : partial;
        if (s.prev != null) {
            s.prev.next = s.next;
        } else {
            heads[s.cls] = s.next;
        }
        if (s.next != null) {
            s.next.prev = s.prev;
        }
        s.prev = null;
        s.next = null;
        s.list = NONE;
    }

    /** Sum of counter {@code k} of class {@code c} (racy read, for stats). */
    long counter(int c, int k) {
        return ctr[(c << 2) + k];
    }

    @Override
    public String toString() {
        return "Heap#" + id + (shared ? "(shared)" : "") + "[" + thread + "]";
    }
}
