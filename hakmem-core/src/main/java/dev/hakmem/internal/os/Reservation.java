package dev.hakmem.internal.os;

import dev.hakmem.internal.config.Config;

/**
 * One large range of address space, reserved once at start-up with
 * {@code mmap(PROT_NONE, MAP_NORESERVE)}. Every SuperSlab lives in it, so "is this address ours,
 * and which SuperSlab holds it?" is a subtraction, a shift and an unsigned compare against
 * {@link #SLOTS}.
 *
 * <pre>
 *  WINDOW          BASE                                              WINDOW + 2^WINDOW_SHIFT
 *  |  offset  |  slot 0  |  slot 1  |  slot 2  |  ...     | slot SLOTS-1 |
 *  | (unused) |  2 MiB   |  2 MiB   |  2 MiB   |          |              |
 *              committed  reserved   committed   (PROT_NONE until committed)
 *  |&lt;------------------------- the window: 2^WINDOW_SHIFT bytes, aligned to its size ---------&gt;|
 * </pre>
 *
 * The window is the reservation's size ({@code hakmem.reserve}, default 256g, rounded down to a
 * power of two), aligned to that size, so the free's first test, "may a be in a SuperSlab?", is
 * {@code a >>> WINDOW_SHIFT == WINDOW >>> WINDOW_SHIFT}: a shift and a compare with a small
 * constant ({@link #inWindow}), where an unaligned range needs two 64-bit constants, which C2 encodes
 * as 10-byte {@code movabs} instructions. The slots start {@link #BASE} = WINDOW + offset, the offset
 * 2 MiB - 512 MiB (a 2 MiB multiple picked from the address the kernel gave, as random as that):
 * with the slots at the window's start, the first SuperSlab's blocks, its shadow words and its
 * page-owner entries ({@link #mapMetadata}) all sit at addresses with the same low bits, which made
 * a tight loop of mallocs and frees 1.2x slower on an AMD EPYC (Zen 3) machine
 * (docs/results/profiles.md, "Stop 67: the reservation as a window"). Addresses in the offset pass the window test; the metadata regions cover the whole
 * window (unread pages cost nothing), so their words read zero there and a free of one of them
 * fails the later tests like any foreign address.
 *
 * A slot is committed with {@code mmap(MAP_FIXED, PROT_READ|PROT_WRITE)} over its reserved
 * range and released with {@code mmap(MAP_FIXED, PROT_NONE, MAP_NORESERVE)}, which gives its
 * pages back while keeping the addresses ours (no other mapping of the process can land there).
 * Reserved address space costs no memory: twice the window is reserved to find an aligned one in
 * it, and the rest stays reserved too (no munmap, no downcall to link at start-up).
 */
public final class Reservation {
    private Reservation() {}

    /** Slot size: one SuperSlab. */
    public static final long UNIT = 1L << 21;
    public static final int UNIT_SHIFT = 21;

    /** First byte of the first slot (2 MiB aligned). */
    public static final long BASE;
    /** Bytes of the slots, from {@link #BASE} to the window's end. */
    public static final long SIZE;
    /** Number of 2 MiB slots. */
    public static final int SLOTS;
    /** First byte of the window (aligned to its size, {@code 2^WINDOW_SHIFT}); 0 when there is no reservation. */
    public static final long WINDOW;
    /** log2 of the window's size; 63 when there is no reservation. */
    public static final int WINDOW_SHIFT;
    /** {@code WINDOW >>> WINDOW_SHIFT}, or -1 when there is no reservation (no address shifted by 63 equals it). */
    static final long WINDOW_HIGH;

    static {
        long want = Long.highestOneBit(Math.max(UNIT * 64, Config.size("reserve", 256L << 30)));
        long got = 0;
        while (true) {
            got = Os.mmap(0, 2 * want, Os.PROT_NONE, Os.MAP_NORESERVE);
            if (got != 0 || want <= (1L << 30)) {
                break;
            }
            want >>>= 1;
        }
        if (got == 0) {
            // no SuperSlabs then: every span request fails with OutOfMemoryError, huge blocks still work
            BASE = 0;
            SIZE = 0;
            SLOTS = 0;
            WINDOW = 0;
            WINDOW_SHIFT = 63;
            WINDOW_HIGH = -1;
            FAILURE = "hakmem: could not reserve " + (want >> 20)
                    + " MiB of address space at start-up (ulimit -v? set hakmem.reserve lower)";
        } else {
            long window = (got + want - 1) & -want;
            // 1-256 slots (at most an eighth of the window), from the address bits the kernel randomised
            long offset = UNIT * (1 + ((got >>> UNIT_SHIFT) & Math.min(255, (want >>> (UNIT_SHIFT + 3)) - 1)));
            WINDOW = window;
            WINDOW_SHIFT = Long.numberOfTrailingZeros(want);
            WINDOW_HIGH = window >>> WINDOW_SHIFT;
            BASE = window + offset;
            SIZE = want - offset;
            SLOTS = (int) (SIZE >>> UNIT_SHIFT);
            FAILURE = null;
        }
    }

    /**
     * Whether {@code a} lies in the window: every address of a SuperSlab does, and so do the
     * offset's unused addresses before {@link #BASE}, whose metadata words read zero. Hot: a shift
     * and a compare with a small constant.
     */
    public static boolean inWindow(long a) {
        return (a >>> WINDOW_SHIFT) == WINDOW_HIGH;
    }

    /** Why there is no reservation, or {@code null}. */
    public static final String FAILURE;

    /**
     * Whether the metadata regions ({@link #mapMetadata}) are placed at the reservation's
     * addresses shifted right ({@code hakmem.shiftedMetadata}, default true).
     */
    public static final boolean SHIFTED_METADATA = Config.flag("shiftedMetadata", true);

    /**
     * Maps a metadata region of {@code 2^WINDOW_SHIFT >>> shift} bytes (read and write, unreserved:
     * only the pages written cost memory) that describes the window at one byte per
     * {@code 2^shift} of its bytes:
     * <pre>
     *   placed at WINDOW &gt;&gt;&gt; shift:  the region's byte for address a is at   a &gt;&gt;&gt; shift
     *   anywhere else (R):         ...                                     R + (a &gt;&gt;&gt; shift) - (WINDOW &gt;&gt;&gt; shift)
     * </pre>
     * The first form spares the fast paths a 64-bit constant and an add per metadata word: C2
     * encodes such a constant as a 10-byte {@code movabs} each time it is used, and with one for
     * each shadow word and the page-owner entry a tight loop of mallocs and frees ran 1.35x
     * faster on the AMD EPYC machine without them (tiny-hot; docs/results/profiles.md, "Stop 66").
     * So the region goes there when {@link #SHIFTED_METADATA} and that range of addresses holds no
     * mapping (it lies far below the reservation: WINDOW / 32 for the shadow, WINDOW / 512 for the
     * page owners), else anywhere. It covers the whole window, the offset before {@link #BASE}
     * included, so that every address {@link #inWindow} passes has its words (zero there).
     *
     * @return the address of {@link #BASE}'s byte in the region: callers keep it as their region's
     *         start, which holds everything from BASE on, and compute {@code start - (BASE >>> shift)}
     *         as their bias, which is 0 when placed; 0 when the kernel refused (or there is no reservation)
     */
    public static long mapMetadata(int shift) {
        if (SIZE == 0) {
            return 0;
        }
        long at = SHIFTED_METADATA ? WINDOW >>> shift : 0;
        assert (at & (Os.PAGE - 1)) == 0 : "WINDOW >>> " + shift + " is not page-aligned";
        long r = Os.mmapPreferring(at, (1L << WINDOW_SHIFT) >>> shift, Os.PROT_READ | Os.PROT_WRITE, Os.MAP_NORESERVE);
        return r == 0 ? 0 : r + ((BASE - WINDOW) >>> shift);
    }

    /** Makes {@code [addr, addr+len)} of the reservation readable and writable (zero-filled). */
    public static boolean commit(long addr, long len) {
        return Os.mmap(addr, len, Os.PROT_READ | Os.PROT_WRITE, Os.MAP_FIXED) == addr;
    }

    /** Gives the pages of {@code [addr, addr+len)} back to the OS; the range stays reserved. */
    public static boolean decommit(long addr, long len) {
        return Os.unmapToReservation(addr, len);
    }

    /** The address of slot {@code i}. */
    public static long slotAddress(int i) {
        return BASE + ((long) i << UNIT_SHIFT);
    }
}
