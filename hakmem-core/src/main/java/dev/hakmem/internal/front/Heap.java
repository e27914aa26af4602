package dev.hakmem.internal.front;

import dev.hakmem.internal.Checks;
import dev.hakmem.internal.Config;
import dev.hakmem.internal.pool.Decay;
import dev.hakmem.internal.pool.SlabPool;
import dev.hakmem.internal.remote.RemoteFree;
import dev.hakmem.internal.size.SizeClasses;
import dev.hakmem.internal.slab.Shadow;
import dev.hakmem.internal.slab.Slab;
import dev.hakmem.internal.slab.SlabMap;
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
 * One {@code long[]} for all classes, a fixed stride apart (the largest capacity + 2), so the
 * class's slot is a multiply by a constant. {@code mag[0]} is the id of the platform thread
 * that owns the heap (-1 for none), so the fast path checks ownership on the array it is about
 * to use. Class {@code c} owns {@code mag[b .. b + capacity + 1]} with {@code b = 1 + c * STRIDE}:
 * <pre>
 * mag[0]              owner thread id, or -1
 * mag[b]              header: count in the low 32 bits, capacity in the high 32 bits
 * mag[b+1]            local frees (pushes) of the class, next to the header it updates anyway
 * mag[b+2..b+count+1] free block addresses, top of stack at mag[b+count+1]
 * </pre>
 * A pop or push is two loads and two stores on one array. A miss calls the cold
 * {@link #refill} (take a batch from the current span) or {@link #flush} (give the oldest
 * batch back to its spans).
 *
 * <h2>Spans</h2>
 * Per class: {@code current} (the span refills come from), a list of spans with available
 * blocks ({@code partial}) and a list of exhausted spans ({@code full}), which may get blocks
 * back through frees, flushes or remote frees. A local free puts a block into the magazine only
 * if its span is the current one ({@link Slab#hotMag}); a block of any other span goes straight
 * back to it ({@link #freeToSpan}), so a span whose blocks are all freed is empty at once and
 * returns to the pool. Invariants: every block in this heap's magazines belongs to a span owned
 * by this heap; an idle heap pins at most one span per class, and for one to two decay times its
 * parked large spans (below).
 *
 * <h2>Parked large spans</h2>
 * A span of a large class (above 32 KiB) holds one to a few blocks, so it empties as soon as they
 * are freed; sent back to the pool each time, every large allocation and free would be a trip
 * under the pool's lock. Instead an emptied large span is <em>parked</em> in {@link #parked}, one
 * slot per large class, while the heap's parked spans stay within {@link #PARK_BYTES}
 * ({@code hakmem.parkedSpanBytes}); the next refill of that class takes it back with no lock.
 * A parked span belongs to no list and is not current; the slot is the only reference to it and
 * is changed atomically (the owner takes a span with getAndSet, anyone else with compareAndSet),
 * so the decay thread hands spans parked for the decay time (counted from its first look at them,
 * so within one to two decay times) to the pool while the heap's thread runs or sleeps, and
 * {@link dev.hakmem.Hakmem#trim()} hands back all of them.
 *
 * <h2>Counters</h2>
 * {@code ctr[c*8 + k]}, plain longs summed by the stats snapshot: k = {@link #TAKEN} blocks moved
 * from spans into the magazine, {@link #REFILLS},
 * {@link #REMOTE_FREES} remote frees made by this heap's thread, {@link #FLUSHED} blocks moved
 * from the magazine back to spans, {@link #SPAN_FREES} local frees straight into a span that is
 * not current. Allocations are not counted on the fast path; they follow
 * from the magazine's balance: {@code allocations = TAKEN + pushes - FLUSHED - count}.
 */
public final class Heap extends SlabOwner {
    static final int STRIDE;

    static {
        int max = 0;
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            max = Math.max(max, SizeClasses.cacheCapacity(c));
        }
        STRIDE = max + 2;
    }

    static final int TAKEN = 0;
    static final int REFILLS = 2;
    static final int REMOTE_FREES = 3;
    static final int FLUSHED = 4;
    static final int SPAN_FREES = 5;
    static final int CTR_SHIFT = 3;

    private static final byte NONE = 0;
    private static final byte PARTIAL = 1;
    private static final byte FULL = 2;

    private static final VarHandle THREAD;
    private static final VarHandle HINT;
    private static final VarHandle PARKED = MethodHandles.arrayElementVarHandle(Slab[].class);

    /** Bound of the bytes of empty large spans one heap keeps parked ({@code hakmem.parkedSpanBytes}). */
    static final long PARK_BYTES = Math.max(0, Config.size("parkedSpanBytes", 8L << 20));

    static {
        try {
            THREAD = MethodHandles.lookup().findVarHandle(SlabOwner.class, "thread", Thread.class);
            HINT = MethodHandles.lookup().findVarHandle(SlabOwner.class, "remoteHint", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long[] mag = new long[1 + SizeClasses.COUNT * STRIDE];
    final long[] ctr = new long[SizeClasses.COUNT << CTR_SHIFT];
    private final Slab[] current = new Slab[SizeClasses.COUNT];
    private final Slab[] partial = new Slab[SizeClasses.COUNT];
    /** Last span of each {@link #partial} list: spans join at the tail and are taken at the head. */
    private final Slab[] partialTail = new Slab[SizeClasses.COUNT];
    private final Slab[] full = new Slab[SizeClasses.COUNT];
    /** Emptied spans of large class {@code SMALL_COUNT + i} at {@code i}, or null; see the class comment. */
    private final Slab[] parked = new Slab[SizeClasses.COUNT - SizeClasses.SMALL_COUNT];
    /** Bytes of the spans in {@link #parked}, as the owner last knew them (an upper bound). Owner only. */
    private long parkedBytes;

    /** Identity for diagnostics. */
    final int id;
    /** True for heaps shared by virtual threads (claimed per operation). */
    final boolean shared;
    /** Slot in {@link Heaps}' table, or -1. */
    int tableSlot = -1;
    /** nanoTime when a scan first found this heap's thread dead, or 0. Registry lock. */
    long deadSince;

    Heap(int id, boolean shared) {
        this.id = id;
        this.shared = shared;
        mag[0] = -1;
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            mag[base(c)] = (long) SizeClasses.cacheCapacity(c) << 32;
        }
    }

    /** Index of class {@code c}'s magazine header in {@link #mag}. */
    static int base(int c) {
        return 1 + c * STRIDE;
    }

    /** Makes platform thread {@code t} the owner (heap registry lock held), and tells every span it owns. */
    void bind(Thread t) {
        thread = t;
        deadSince = 0;
        platformThread = t;
        mag[0] = t == null ? -1 : t.threadId();
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            if (current[c] != null) {
                current[c].ownerThread = t;
            }
            for (Slab s = partial[c]; s != null; s = s.next) {
                s.ownerThread = t;
            }
            for (Slab s = full[c]; s != null; s = s.next) {
                s.ownerThread = t;
            }
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
        long a = pop(mag, c);
        return a != 0 ? a : refill(c);
    }

    /** Pops a block of class {@code c} from magazine {@code m} and marks it live, or returns 0 if it is empty. */
    static long pop(long[] m, int c) {
        int b = 1 + c * STRIDE;
        long hdr = m[b];
        int n = (int) hdr;
        if (n > 0) {
            long a = m[b + 1 + n];
            m[b] = hdr - 1;
            markLive(a);
            return a;
        }
        return 0;
    }

    /**
     * Frees block {@code a} (index {@code i}) of a span of this heap that is not current,
     * already validated and marked not live: straight back into the span.
     */
    void freeToSpan(Slab s, long a, int i) {
        ctr[(s.cls << CTR_SHIFT) + SPAN_FREES]++;
        boolean wasExhausted = s.freeCount == 0 && s.carved == s.capacity;
        s.giveIndex(i);
        if (s.used == 0 || wasExhausted) {
            settle(s, wasExhausted);
        }
    }

    /**
     * Frees block {@code a} of span {@code s}, already validated and marked not live, for the
     * thread holding the span's heap: into the magazine if the span is current, else straight
     * back into the span.
     */
    static void freeValidated(Slab s, long a) {
        long[] mg = s.hotMag;
        if (mg != null) {
            push(mg, s.magBase, a, s);
        } else {
            ((Heap) s.owner).freeToSpan(s, a, (int) s.indexOf(a));
        }
    }

    /**
     * Frees block {@code a} of hot span {@code s}, already validated and marked not live, into
     * magazine {@code m} ({@code s.hotMag}) at header index {@code b} ({@code s.magBase}).
     */
    static void push(long[] m, int b, long a, Slab s) {
        long hdr = m[b];
        int n = (int) hdr;
        m[b + 1]++;
        if (n < (int) (hdr >>> 32)) {
            m[b + 2 + n] = a;
            m[b] = hdr + 1;
            return;
        }
        ((Heap) s.owner).flush(s.cls, a);
    }

    static void markLive(long a) {
        if (Checks.ON) {
            Shadow.markLive(a);
        }
    }

    // ------------------------------------------------------------------ cold path

    /**
     * The magazine of class {@code c} is empty: take a batch from spans, return one block.
     *
     * <p>The batch is filled from the current span and, when that runs dry, from the next spans
     * of the partial list, which become current in turn (exhausted ones go to the full list), so
     * a current span with only a few free blocks left does not make every few allocations a
     * refill. A new span comes from the pool only while nothing was taken. The blocks are then
     * stacked so that those of the oldest span are popped first, leaving the new current span's
     * blocks at the bottom: the spans given up empty out and nothing but the current span stays
     * pinned by the magazine.
     */
    long refill(int c) {
        ctr[(c << CTR_SHIFT) + REFILLS]++;
        int b = base(c);
        int batch = SizeClasses.batch(c);
        int got = 0;
        int spans = 0;
        Slab s = current[c];
        while (true) {
            if (s != null) {
                int n = s.take(mag, b + 2 + got, batch - got);
                if (n > 0) {
                    got += n;
                    spans++;
                    if (got == batch) {
                        break;
                    }
                }
                if (s.claimPending() && RemoteFree.collect(s) > 0) {
                    continue;
                }
                link(s, FULL);
                setCurrent(c, null);
            }
            if (remoteHint != 0) {
                collectRemote();
            }
            s = partial[c];
            if (s != null) {
                unlink(s);
            } else if (got > 0) {
                break;
            } else if (c < SizeClasses.SMALL_COUNT || (s = unpark(c)) == null) {
                Heaps.reclaimDeadSometimes();
                s = SlabPool.acquire(this, c);
            }
            setCurrent(c, s);
        }
        if (spans > 1) {
            reverse(mag, b + 2, b + 2 + got);
        }
        ctr[(c << CTR_SHIFT) + TAKEN] += got;
        mag[b] = (mag[b] & 0xFFFF_FFFF_0000_0000L) | (got - 1);
        long a = mag[b + 1 + got];
        markLive(a);
        return a;
    }

    private static void reverse(long[] m, int from, int to) {
        for (int i = from, j = to - 1; i < j; i++, j--) {
            long t = m[i];
            m[i] = m[j];
            m[j] = t;
        }
    }

    private void setCurrent(int c, Slab s) {
        Slab old = current[c];
        if (old != null) {
            old.hotMag = null;
        }
        current[c] = s;
        if (s != null && c < SizeClasses.SMALL_COUNT) {
            s.magBase = base(c);
            s.hotMag = mag;
        }
    }

    /** The magazine of class {@code c} is full: give its oldest batch back, then push {@code a}. */
    void flush(int c, long a) {
        int b = base(c);
        long hdr = mag[b];
        int n = (int) hdr;
        int batch = Math.min(SizeClasses.batch(c), n);
        ctr[(c << CTR_SHIFT) + FLUSHED] += batch;
        for (int i = 0; i < batch; i++) {
            giveBack(mag[b + 2 + i]);
        }
        System.arraycopy(mag, b + 2 + batch, mag, b + 2, n - batch);
        n -= batch;
        mag[b + 2 + n] = a;
        mag[b] = (hdr & 0xFFFF_FFFF_0000_0000L) | (n + 1);
    }

    /** Returns a block from a magazine to its span, releasing the span if it became empty. */
    private void giveBack(long x) {
        Slab s = SlabMap.of(x);
        boolean wasExhausted = s.exhausted();
        s.give(x);
        settle(s, wasExhausted);
    }

    /** After blocks came back to span {@code s}: move it between lists or release it when empty. */
    private void settle(Slab s, boolean wasExhausted) {
        if (s == current[s.cls]) {
            if (s.used == 0 && s.cls >= SizeClasses.SMALL_COUNT) {
                // an empty large span waits parked, for this heap's next block of its class
                setCurrent(s.cls, null);
                park(s);
            }
            return;
        }
        if (s.used == 0) {
            unlink(s);
            if (s.cls >= SizeClasses.SMALL_COUNT) {
                park(s);
            } else {
                SlabPool.release(s);
            }
        } else if (wasExhausted) {
            unlink(s);
            link(s, PARTIAL);
        }
    }

    /**
     * Parks empty large span {@code s} (current of no class, in no list), or gives it to the pool
     * when that would take the heap's parked spans past {@link #PARK_BYTES}. A span parked
     * earlier in the same slot goes to the pool.
     */
    void park(Slab s) {
        long bytes = s.bytes();
        if (parkedBytes + bytes > PARK_BYTES && recountParked() + bytes > PARK_BYTES) {
            SlabPool.release(s);
            return;
        }
        s.idleSince = 0; // not yet seen by the decay thread, which stamps it (no clock read here)
        Slab old = (Slab) PARKED.getAndSet(parked, s.cls - SizeClasses.SMALL_COUNT, s);
        parkedBytes += bytes;
        if (old != null) {
            parkedBytes -= old.bytes();
            SlabPool.release(old);
        }
        Heaps.noteParked();
        Decay.wake();
    }

    /**
     * Bytes of the spans parked now ({@link #parkedBytes} counts those other threads took since
     * the last recount as still parked, which errs on the safe side). Owner only.
     */
    private long recountParked() {
        long bytes = 0;
        for (int i = 0; i < parked.length; i++) {
            Slab p = (Slab) PARKED.getVolatile(parked, i);
            if (p != null) {
                bytes += p.bytes();
            }
        }
        parkedBytes = bytes;
        return bytes;
    }

    /** Takes back the span parked for large class {@code c}, or returns null. Owner only. */
    Slab unpark(int c) {
        int i = c - SizeClasses.SMALL_COUNT;
        if (parked[i] == null) {
            return null;
        }
        Slab s = (Slab) PARKED.getAndSet(parked, i, (Slab) null);
        if (s != null) {
            parkedBytes -= s.bytes();
        }
        return s;
    }

    /**
     * Gives the pool every span parked for {@code idle} nanoseconds by {@code now}, or all of
     * them if {@code all}. Any thread, any time: a span is taken with a compareAndSet, which the
     * owner's getAndSet cannot both win. A parked span's idle time starts when a call of this
     * method first sees it (it stamps {@code idleSince}), so parking reads no clock.
     *
     * @return when the next parked span will be due, or 0 if none is left parked
     */
    long releaseParked(long now, long idle, boolean all) {
        long next = 0;
        for (int i = 0; i < parked.length; i++) {
            Slab p = (Slab) PARKED.getVolatile(parked, i);
            if (p == null) {
                continue;
            }
            long since = p.idleSince;
            if (since == 0 && !all) {
                // a racy stamp: should the owner take the span back and park it again meanwhile,
                // the span only counts as idle from a little earlier than it is
                p.idleSince = now;
                since = now;
            }
            long due = since + idle;
            if (all || due - now <= 0) {
                if (PARKED.compareAndSet(parked, i, p, (Slab) null)) {
                    SlabPool.release(p, since == 0 ? now : since);
                }
            } else {
                next = Decay.earlier(next, due);
            }
        }
        return next;
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

    /**
     * The owning thread has died: empties the magazines and hands every span to the pool (empty
     * ones are freed, the others become orphans that any heap may take at stage 1, with their
     * pending remote frees). Caller holds the heap registry lock; no thread holds this heap.
     */
    void abandon() {
        flushAll();
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            Slab cur = current[c];
            if (cur != null) {
                setCurrent(c, null);
                handOver(cur);
            }
            for (Slab s = partial[c]; s != null; s = partial[c]) {
                unlink(s);
                handOver(s);
            }
            for (Slab s = full[c]; s != null; s = full[c]) {
                unlink(s);
                handOver(s);
            }
        }
    }

    private static void handOver(Slab s) {
        if (s.used == 0) {
            SlabPool.release(s);
        } else {
            SlabPool.orphan(s);
        }
    }

    /** Empties every magazine back into the spans (trim, thread exit). */
    void flushAll() {
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            int b = base(c);
            long hdr = mag[b];
            int n = (int) hdr;
            mag[b] = hdr & 0xFFFF_FFFF_0000_0000L;
            ctr[(c << CTR_SHIFT) + FLUSHED] += n;
            for (int i = 0; i < n; i++) {
                giveBack(mag[b + 2 + i]);
            }
            Slab cur = current[c];
            if (cur != null && cur.used == 0) {
                setCurrent(c, null);
                SlabPool.release(cur);
            }
        }
        remoteHint = 1;
        collectRemote();
        flushParked();
    }

    /** Hands every parked span to the pool. Owner only (or no thread holds the heap). */
    void flushParked() {
        releaseParked(System.nanoTime(), 0, true);
        parkedBytes = 0;
    }

    /** Adds {@code s} to a list: at the head of the full list, at the tail of the partial list. */
    private void link(Slab s, byte list) {
        int c = s.cls;
        s.list = list;
        if (list == FULL) {
            Slab h = full[c];
            s.prev = null;
            s.next = h;
            if (h != null) {
                h.prev = s;
            }
            full[c] = s;
            return;
        }
        // FIFO: a span joins when it gets its first block back and is taken once it had time to get more
        Slab t = partialTail[c];
        s.prev = t;
        s.next = null;
        if (t != null) {
            t.next = s;
        } else {
            partial[c] = s;
        }
        partialTail[c] = s;
    }

    private void unlink(Slab s) {
        if (s.list == NONE) {
            return;
        }
        int c = s.cls;
        Slab[] heads = s.list == FULL ? full : partial;
        if (s.prev != null) {
            s.prev.next = s.next;
        } else {
            heads[c] = s.next;
        }
        if (s.next != null) {
            s.next.prev = s.prev;
        } else if (s.list == PARTIAL) {
            partialTail[c] = s.prev;
        }
        s.prev = null;
        s.next = null;
        s.list = NONE;
    }

    /**
     * Adds this heap's counters into {@code sum[c*4 + k]}, k = 0 allocations, 1 frees, 2 refills,
     * 3 remote frees (racy reads: exact only when the heap is quiet).
     */
    void addCounters(long[] sum) {
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            int k = c << CTR_SHIFT;
            long pushes = mag[base(c) + 1];
            long remote = ctr[k + REMOTE_FREES];
            long cached = (int) mag[base(c)];
            sum[c * 4] += ctr[k + TAKEN] + pushes - ctr[k + FLUSHED] - cached;
            sum[c * 4 + 1] += pushes + remote + ctr[k + SPAN_FREES];
            sum[c * 4 + 2] += ctr[k + REFILLS];
            sum[c * 4 + 3] += remote;
        }
    }

    @Override
    public String toString() {
        return "Heap#" + id + (shared ? "(shared)" : "") + "[" + thread + "]";
    }
}
