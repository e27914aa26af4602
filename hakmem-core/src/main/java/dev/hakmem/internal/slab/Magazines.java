package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Checks;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The layout of a heap's magazines: per size class a stack of free block addresses, all in one
 * {@code long[]}, class after class ({@link #base}), so the fast paths touch one array.
 * Everything here is static and works on that array, which only
 * the thread holding the heap uses.
 *
 * <pre>
 * mag[0]                  owner: the id of the platform thread that owns the heap, {@link #NO_OWNER},
 *                         or {@link #BUSY} while a slow path of a carrier's heap runs (see {@link Heap})
 * b = base(c) = BASES[c]   (BASES[0] = 1, BASES[c+1] = BASES[c] + room(c) + 2)
 * mag[b]                  header: count in the low 32 bits, capacity in the high 32 bits
 *                         (cacheCapacity(c) &lt;= capacity &lt;= room(c) = burstCapacity(c):
 *                         it grows in bursts of frees, see Bursts)
 * mag[b+1]                pushes: local frees into the magazine, counted next to the header they update anyway
 * mag[b+2 .. b+count+1]   free block addresses, top of stack at mag[b+count+1]
 * </pre>
 *
 * Each class has the room of its own largest capacity ({@link SizeClasses#burstCapacity}), so the
 * smallest classes can cache a thousand blocks in a burst (frees then allocations stay in the
 * magazine) without giving every class as much.
 *
 * The fast path checks ownership on the array it is about to use ({@code mag[0] == threadId}), so a
 * table of arrays indexed by thread id needs no second lookup. A pop or a push is two loads and two
 * stores, without the array's range checks where the JDK allows ({@link UncheckedArrays}: every
 * index here is a header's from {@link #BASES} plus at most its class's room, asserted).
 */
final class Magazines {
    private Magazines() {}

    /** Index of each class's header: after the owner word, each class takes its capacity plus the header and the push counter. */
    private static final int[] BASES = new int[SizeClasses.COUNT];
    /** Length of a magazine array. */
    static final int SLOTS;
    /** The class whose header is at each index (only the header indices are read): {@link #classOfBase} in one load. */
    private static final byte[] CLASS_AT;
    /**
     * {@code base(SizeClasses.classOf(size))} at index {@code (size + 7) / 8} for sizes up to
     * {@link SizeClasses#MAX_SMALL}: the allocation's magazine in one load from its size instead
     * of two dependent ones (class, then base).
     */
    private static final int[] BASE_BY_8 = new int[SizeClasses.MAX_SMALL / 8 + 1];

    static {
        if (SizeClasses.COUNT > 256) {
            throw new ExceptionInInitializerError("hakmem: " + SizeClasses.COUNT + " size classes do not fit a byte");
        }
        int b = 1;
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            BASES[c] = b;
            b += room(c) + 2;
        }
        SLOTS = b;
        CLASS_AT = new byte[SLOTS];
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            CLASS_AT[BASES[c]] = (byte) c;
        }
        for (int k = 0; k < BASE_BY_8.length; k++) {
            BASE_BY_8[k] = BASES[SizeClasses.classOf(k * 8L)];
        }
    }

    /** Index of the owner word. */
    static final int OWNER = 0;
    /** {@code mag[OWNER]} of a heap no platform thread owns. */
    static final long NO_OWNER = -1;
    /** {@code mag[OWNER]} while a slow path runs on the heap (it equals no thread id, so every fast path misses). */
    static final long BUSY = -2;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);
    private static final long CAPACITY_MASK = 0xFFFF_FFFF_0000_0000L;

    /** A new magazine array: every class empty with its configured capacity, no owner. */
    static long[] create() {
        long[] m = new long[SLOTS];
        m[OWNER] = NO_OWNER;
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            m[base(c)] = (long) SizeClasses.cacheCapacity(c) << 32;
        }
        return m;
    }

    /**
     * Set in {@code mag[OWNER]} with the owner's id when another thread (a borrower, or a virtual
     * thread that finished a slow path on another carrier) ends its use of the heap: the owner word
     * then equals no id, so the owner's next fast path misses and re-synchronises with an acquire
     * ({@link Heap#resync}). Thread ids are below 2^62, BUSY and NO_OWNER negative.
     */
    static final long STALE = 1L << 62;

    /** The owner word (acquire: after it, everything the last slow path wrote to the heap is visible). */
    static long owner(long[] m) {
        return (long) SLOT.getAcquire(m, OWNER);
    }

    /**
     * The owner word as the fast paths read it: plain. Finding its own id there, a thread knows that
     * the last write of the word was its own (an exitSlow on its own carrier, a resync), or a
     * borrower's putting it back untouched: writers that changed the heap leave {@link #STALE} ids,
     * so nothing another thread wrote needs ordering (see {@link Heap}, "the owner word").
     */
    static long ownerPlain(long[] m) {
        return UncheckedArrays.get(m, OWNER);
    }

    /** The owner word left by another thread that used the heap of thread {@code id}. */
    static long stale(long id) {
        return id | STALE;
    }

    /** Compare-and-set of the owner word (a borrower taking an idle heap). */
    static boolean compareAndSetOwner(long[] m, long expected, long value) {
        return SLOT.compareAndSet(m, OWNER, expected, value);
    }

    /** Ends a slow path or a borrow: puts the owner word back (release store, the last write to the heap). */
    static void unmarkBusy(long[] m, long owner) {
        SLOT.setRelease(m, OWNER, owner);
    }

    /** Slots for the blocks of class {@code c}: the largest capacity its magazine may have. */
    static int room(int c) {
        return SizeClasses.burstCapacity(c);
    }

    /** Header {@code hdr} with its capacity replaced by {@code cap} (the count unchanged). */
    static long withCapacity(long hdr, int cap) {
        return ((long) cap << 32) | (hdr & 0xFFFF_FFFFL);
    }

    /** Index of class {@code c}'s header. */
    static int base(int c) {
        return BASES[c];
    }

    /** {@code base(SizeClasses.classOf(size))}; {@code 0 <= size <= SizeClasses.MAX_SMALL}. Hot. */
    static int baseOfSmall(long size) {
        return BASE_BY_8[((int) size + 7) >>> 3];
    }

    /** The class whose header is at index {@code b} (the inverse of {@link #base}). */
    static int classOfBase(int b) {
        int c = CLASS_AT[b] & 0xFF;
        assert BASES[c] == b : "no class's header at " + b;
        return c;
    }

    /** Blocks in the magazine whose header is {@code hdr}. */
    static int count(long hdr) {
        return (int) hdr;
    }

    /** Capacity of the magazine whose header is {@code hdr}. */
    static int capacity(long hdr) {
        return (int) (hdr >>> 32);
    }

    /** Header {@code hdr} with its count replaced by {@code n}. */
    static long withCount(long hdr, int n) {
        return (hdr & CAPACITY_MASK) | n;
    }

    /** Blocks of class {@code c} cached in {@code m}. */
    static int count(long[] m, int c) {
        return (int) m[base(c)];
    }

    /** Local frees pushed into class {@code c}'s magazine so far. */
    static long pushes(long[] m, int c) {
        return m[base(c) + 1];
    }

    /**
     * Pops a block from the magazine whose header is {@code m[b]} ({@code b = base(c)} of its class
     * {@code c}) and marks it live, or returns 0 if it is empty. Hot: callers pass {@code b}, so
     * no frame sits between them and the shadow access (see {@link Shadow#get}).
     */
    static long popAt(long[] m, int b) {
        long hdr = UncheckedArrays.get(m, b);
        int n = (int) hdr;
        if (n > 0) {
            assert n <= capacity(hdr) && capacity(hdr) <= room(classOfBase(b)) : "header " + Long.toHexString(hdr) + " at " + b;
            long a = UncheckedArrays.get(m, b + 1 + n);
            UncheckedArrays.put(m, b, hdr - 1);
            markLive(a);
            return a;
        }
        return 0;
    }

    /**
     * Pushes block {@code a}, already validated and marked not live, into the magazine whose
     * header is {@code m[b]} and counts the free. Hot.
     *
     * @return {@code false} if the magazine is full (nothing pushed; the free is counted)
     */
    static boolean push(long[] m, int b, long a) {
        long hdr = UncheckedArrays.get(m, b);
        int n = (int) hdr;
        UncheckedArrays.put(m, b + 1, UncheckedArrays.get(m, b + 1) + 1);
        if (n < (int) (hdr >>> 32)) {
            assert capacity(hdr) <= room(classOfBase(b)) : "header " + Long.toHexString(hdr) + " at " + b;
            UncheckedArrays.put(m, b + 2 + n, a);
            UncheckedArrays.put(m, b, hdr + 1);
            return true;
        }
        return false;
    }

    /**
     * Whether block {@code a} is among the blocks cached in class {@code c}'s magazine of {@code m}
     * (plain reads: exact for the holder; from another thread a snapshot that may be torn, for
     * diagnostics only, see {@link Whereabouts}).
     */
    static boolean holds(long[] m, int c, long a) {
        int b = BASES[c];
        int n = Math.min((int) m[b], room(c));
        for (int k = 0; k < n; k++) {
            if (m[b + 2 + k] == a) {
                return true;
            }
        }
        return false;
    }

    /** Marks {@code a} live in the shadow, when the checks are on. */
    static void markLive(long a) {
        if (Checks.ON) {
            Shadow.markLive(a);
        }
    }
}
