package dev.hakmem.internal.os;

import dev.hakmem.internal.config.Config;

/**
 * One large range of address space, reserved once at start-up with
 * {@code mmap(PROT_NONE, MAP_NORESERVE)} and aligned to 2 MiB. Every SuperSlab lives in it, so
 * "is this address ours, and which SuperSlab holds it?" is a subtraction, a shift and an
 * unsigned compare against {@link #SLOTS}.
 *
 * <pre>
 *  BASE                                                        BASE + SIZE
 *  |  slot 0  |  slot 1  |  slot 2  |  ...           | slot SLOTS-1 |
 *  |  2 MiB   |  2 MiB   |  2 MiB   |                |              |
 *   committed  reserved   committed   (PROT_NONE until committed)
 * </pre>
 *
 * A slot is committed with {@code mmap(MAP_FIXED, PROT_READ|PROT_WRITE)} over its reserved
 * range and released with {@code mmap(MAP_FIXED, PROT_NONE, MAP_NORESERVE)}, which gives its
 * pages back while keeping the addresses ours (no other mapping of the process can land there).
 * Reserved address space costs no memory. Size: {@code hakmem.reserve} (default 256g).
 */
public final class Reservation {
    private Reservation() {}

    /** Slot size: one SuperSlab. */
    public static final long UNIT = 1L << 21;
    public static final int UNIT_SHIFT = 21;

    /** First byte of the reservation (2 MiB aligned). */
    public static final long BASE;
    /** Bytes reserved. */
    public static final long SIZE;
    /** Number of 2 MiB slots. */
    public static final int SLOTS;

    static {
        long want = Math.max(UNIT * 64, Config.size("reserve", 256L << 30)) & ~(UNIT - 1);
        long got = 0;
        while (true) {
            got = Os.mmap(0, want + UNIT, Os.PROT_NONE, Os.MAP_NORESERVE);
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
            FAILURE = "hakmem: could not reserve " + (want >> 20)
                    + " MiB of address space at start-up (ulimit -v? set hakmem.reserve lower)";
        } else {
            // the unaligned slack before and after stays reserved (PROT_NONE costs nothing), which
            // spares start-up a munmap and its downcall linking
            long aligned = (got + UNIT - 1) & ~(UNIT - 1);
            BASE = aligned;
            SIZE = want;
            SLOTS = (int) (want >>> UNIT_SHIFT);
            FAILURE = null;
        }
    }

    /** Why there is no reservation, or {@code null}. */
    public static final String FAILURE;

    /**
     * Whether the metadata regions ({@link #mapMetadata}) are placed at the reservation's
     * addresses shifted right ({@code hakmem.shiftedMetadata}, default true).
     */
    public static final boolean SHIFTED_METADATA = Config.flag("shiftedMetadata", true);

    /**
     * Maps a metadata region of {@code SIZE >>> shift} bytes (read and write, unreserved: only
     * the pages written cost memory) that describes the reservation at one byte per
     * {@code 2^shift} of its bytes:
     * <pre>
     *   placed at BASE &gt;&gt;&gt; shift:   the region's byte for address a is at   a &gt;&gt;&gt; shift
     *   anywhere else (R):         ...                                     R + (a &gt;&gt;&gt; shift) - (BASE &gt;&gt;&gt; shift)
     * </pre>
     * The first form spares the fast paths a 64-bit constant and an add per metadata word: C2
     * encodes such a constant as a 10-byte {@code movabs} each time it is used, and with one for
     * each shadow word and the page-owner entry a tight loop of mallocs and frees ran 1.35x
     * faster on the AMD EPYC machine without them (tiny-hot; docs/results/profiles.md, "Stop 66").
     * So the region goes there when {@link #SHIFTED_METADATA} and that range of addresses holds no
     * mapping (it lies far below the reservation: BASE / 32 for the shadow, BASE / 512 for the
     * page owners), else anywhere. Callers keep the returned address as their region's start and
     * compute {@code start - (BASE >>> shift)} as their bias, which is then 0.
     *
     * @return the region's start, or 0 when the kernel refused (or there is no reservation)
     */
    public static long mapMetadata(int shift) {
        if (SIZE == 0) {
            return 0;
        }
        long at = SHIFTED_METADATA ? BASE >>> shift : 0;
        assert (at & (Os.PAGE - 1)) == 0 : "BASE >>> " + shift + " is not page-aligned";
        return Os.mmapPreferring(at, SIZE >>> shift, Os.PROT_READ | Os.PROT_WRITE, Os.MAP_NORESERVE);
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
