package dev.hakmem.netty;

import io.netty.util.concurrent.FastThreadLocal;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;

/**
 * One allocator's recycled {@link HakmemByteBuf} instances and its counts of the bytes held by
 * live buffers.
 *
 * <p>A platform thread has its own cache: a stack of released buffer objects and two counters
 * (direct and heap bytes) that only it writes, so allocating and releasing take no lock and no
 * atomic instruction (the cache is a Netty {@code FastThreadLocal}: an array slot on Netty's event
 * loop threads, a {@code ThreadLocal} elsewhere). A full stack hands half of its objects to the shared cache, an empty one
 * takes a batch from it, so objects flow from threads that release to threads that allocate.
 * Virtual threads, which may be many and short-lived, use the shared cache directly, under its
 * lock ({@code hakmem.netty.threadCache=0} sends platform threads there too).
 *
 * <p>The used-memory figures are the sum of every thread's counters, of the shared ones and of
 * those of threads that have ended (folded into totals, and their cached objects dropped, at the
 * next reading or the next new thread's registration). A buffer
 * released by another thread than the one that allocated it is subtracted from the releasing
 * thread's counter: each counter alone can be negative, the sum is exact.
 */
final class BufferCaches {

    /** Released buffer objects each platform thread keeps for reuse. */
    static final int THREAD_CACHE = Knobs.intValue("threadCache", 1024, 0);
    /** Released buffer objects the shared cache keeps. */
    static final int SHARED_CACHE = Knobs.intValue("sharedCache", 8192, 0);

    private final HakmemByteBufAllocator alloc;
    private final FastThreadLocal<Local> locals;
    private final Shared shared = new Shared();

    /** Guards the registry and the folded totals. */
    private final Object registryLock = new Object();
    private final List<Counters> registry = new ArrayList<>();
    private final ReferenceQueue<Local> ended = new ReferenceQueue<>();
    private long foldedDirect;
    private long foldedHeap;

    BufferCaches(HakmemByteBufAllocator alloc) {
        this.alloc = alloc;
        this.locals = THREAD_CACHE > 0 ? new FastThreadLocal<>() {
            @Override
            protected Local initialValue() {
                return newLocal();
            }
        } : null;
    }

    private Local newLocal() {
        EventLoopTrims.register(); // an event loop gives its hakmem memory back when it idles
        Local local = new Local(this);
        synchronized (registryLock) {
            sweep();
            registry.add(local.counters);
        }
        return local;
    }

    /** This thread's cache, or null when it uses the shared one. */
    private Local local() {
        if (locals == null) {
            return null;
        }
        Thread t = Thread.currentThread();
        return t.isVirtual() ? null : locals.get();
    }

    /**
     * A buffer object for a new buffer of {@code bytes} bytes, which are counted as used. Its
     * {@link HakmemByteBuf#owner} is this thread's cache (null on the shared one), so a release
     * or resize on the same thread finds the cache without a thread-local lookup.
     */
    HakmemByteBuf take(int bytes) {
        Local local = local();
        if (local != null) {
            local.counters.addDirect(bytes);
            HakmemByteBuf b = local.take();
            if (b.owner != local) {
                b.owner = local; // a reference store only when the object changes thread
            }
            return b;
        }
        HakmemByteBuf b = shared.take(this, bytes);
        if (b.owner != null) {
            b.owner = null;
        }
        return b;
    }

    /** Takes back a released buffer object, whose {@code bytes} bytes are no longer used. */
    void give(HakmemByteBuf buf, int bytes) {
        Local local = buf.owner;
        if (local == null || local.thread != Thread.currentThread()) {
            local = local();
        }
        if (local != null) {
            local.counters.addDirect(-bytes);
            local.give(buf);
        } else {
            shared.give(buf, bytes);
        }
    }

    /** Counts a change of {@code delta} bytes in {@code buf}, a live direct buffer. */
    void countDirect(HakmemByteBuf buf, long delta) {
        Local local = buf.owner;
        if (local == null || local.thread != Thread.currentThread()) {
            local = local();
        }
        if (local != null) {
            local.counters.addDirect(delta);
        } else {
            shared.count(delta, 0);
        }
    }

    /** Counts a change of {@code delta} bytes in live heap buffers. */
    void countHeap(long delta) {
        Local local = local();
        if (local != null) {
            local.counters.addHeap(delta);
        } else {
            shared.count(0, delta);
        }
    }

    /** Bytes of live direct buffers: the sum of their capacities. */
    long usedDirect() {
        synchronized (registryLock) {
            sweep();
            long sum = foldedDirect + shared.direct();
            for (Counters c : registry) {
                sum += c.direct();
            }
            return sum;
        }
    }

    /** Bytes of live heap buffers: the sum of their arrays' lengths. */
    long usedHeap() {
        synchronized (registryLock) {
            sweep();
            long sum = foldedHeap + shared.heap();
            for (Counters c : registry) {
                sum += c.heap();
            }
            return sum;
        }
    }

    /** Buffer objects held for reuse by this thread's cache (or the shared one) and by the shared cache. */
    int cachedHere() {
        Local local = local();
        return (local != null ? local.size : 0) + shared.size();
    }

    /** Threads whose counters are still summed one by one (not yet folded); for tests. */
    int registeredThreads() {
        synchronized (registryLock) {
            sweep();
            return registry.size();
        }
    }

    /**
     * Folds the counts of threads that have ended into the totals and drops their caches'
     * objects. Under the lock. A thread's counters no longer change once it has ended: a buffer
     * it allocated is released or resized by another thread, which counts that in its own.
     */
    private void sweep() {
        for (Reference<? extends Local> r; (r = ended.poll()) != null; ) {
            Counters c = (Counters) r;
            fold(c);
            registry.remove(c);
        }
        for (java.util.Iterator<Counters> it = registry.iterator(); it.hasNext(); ) {
            Counters c = it.next();
            Local local = c.get();
            if (local == null || !local.thread.isAlive()) {
                fold(c);
                it.remove();
                if (local != null) {
                    local.drop(); // its thread is gone: nobody touches this cache any more
                }
            }
        }
    }

    private void fold(Counters c) {
        if (!c.folded) {
            c.folded = true;
            foldedDirect += c.direct();
            foldedHeap += c.heap();
        }
    }

    /** A new buffer object; it is recycled through these caches once released. */
    private HakmemByteBuf newBuffer() {
        return new HakmemByteBuf(alloc, this);
    }

    /** One thread's counters; they outlive its cache, which they reference weakly. */
    static final class Counters extends WeakReference<Local> {
        private static final VarHandle DIRECT;
        private static final VarHandle HEAP;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                DIRECT = l.findVarHandle(Counters.class, "direct", long.class);
                HEAP = l.findVarHandle(Counters.class, "heap", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** Written by the owner thread only (opaque stores, so readers see whole, recent values). */
        private long direct;
        private long heap;
        /** Whether these counts are in the folded totals (under the registry lock). */
        private boolean folded;

        Counters(Local local, ReferenceQueue<Local> queue) {
            super(local, queue);
        }

        void addDirect(long delta) {
            DIRECT.setOpaque(this, direct + delta);
        }

        void addHeap(long delta) {
            HEAP.setOpaque(this, heap + delta);
        }

        long direct() {
            return (long) DIRECT.getOpaque(this);
        }

        long heap() {
            return (long) HEAP.getOpaque(this);
        }
    }

    /** A platform thread's cache: used by that thread only. */
    static final class Local {
        final Thread thread = Thread.currentThread();
        private final BufferCaches caches;
        private final HakmemByteBuf[] stack = new HakmemByteBuf[THREAD_CACHE];
        private int size;
        final Counters counters;

        Local(BufferCaches caches) {
            this.caches = caches;
            this.counters = new Counters(this, caches.ended);
        }

        HakmemByteBuf take() {
            int n = size;
            if (n == 0) {
                n = caches.shared.drainTo(stack, Math.max(1, stack.length / 2));
                if (n == 0) {
                    return caches.newBuffer();
                }
            }
            HakmemByteBuf b = stack[--n];
            stack[n] = null;
            size = n;
            return b;
        }

        /** Forgets the cached objects (only once the owner thread has ended). */
        void drop() {
            java.util.Arrays.fill(stack, 0, size, null);
            size = 0;
        }

        void give(HakmemByteBuf buf) {
            int n = size;
            if (n == stack.length) {
                int keep = n / 2;
                caches.shared.fillFrom(stack, keep, n - keep);
                n = keep;
            }
            stack[n] = buf;
            size = n + 1;
        }
    }

    /** The cache shared by virtual threads and refilled from the threads' caches; under its own lock. */
    static final class Shared {
        private final HakmemByteBuf[] items = new HakmemByteBuf[SHARED_CACHE];
        private int size;
        private long direct;
        private long heap;

        synchronized HakmemByteBuf take(BufferCaches caches, int bytes) {
            direct += bytes;
            int n = size;
            if (n == 0) {
                return caches.newBuffer();
            }
            HakmemByteBuf b = items[--n];
            items[n] = null;
            size = n;
            return b;
        }

        synchronized void give(HakmemByteBuf buf, int bytes) {
            direct -= bytes;
            if (size < items.length) {
                items[size++] = buf;
            }
        }

        synchronized void count(long directDelta, long heapDelta) {
            direct += directDelta;
            heap += heapDelta;
        }

        /** Moves up to {@code max} objects into the empty {@code stack}; returns how many. */
        synchronized int drainTo(HakmemByteBuf[] stack, int max) {
            int n = Math.min(Math.min(max, size), stack.length);
            int from = size - n;
            System.arraycopy(items, from, stack, 0, n);
            java.util.Arrays.fill(items, from, size, null);
            size = from;
            return n;
        }

        /** Takes {@code n} objects from {@code stack[from..]} (clearing those slots); drops what does not fit. */
        synchronized void fillFrom(HakmemByteBuf[] stack, int from, int n) {
            int fit = Math.min(n, items.length - size);
            System.arraycopy(stack, from, items, size, fit);
            size += fit;
            java.util.Arrays.fill(stack, from, from + n, null);
        }

        synchronized long direct() {
            return direct;
        }

        synchronized long heap() {
            return heap;
        }

        synchronized int size() {
            return size;
        }
    }
}
