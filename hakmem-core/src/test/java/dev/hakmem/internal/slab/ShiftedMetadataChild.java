package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.internal.config.Checks;
import dev.hakmem.internal.os.Reservation;

/**
 * Child JVM of {@link ShiftedMetadataTest}, run with {@code -Dhakmem.shiftedMetadata=false}: the
 * shadow and the page-owner table wherever the kernel put them (a bias on every word's address),
 * with the checks on. Model-based churn with every byte checked (local, remote, virtual threads),
 * a double free refused on the owner's path and of a block queued by another thread's free, a free
 * in the window before the first slot refused as no block, the live bytes back where they started.
 * Prints {@code OK} and exits 0, or throws.
 */
public final class ShiftedMetadataChild {
    private ShiftedMetadataChild() {}

    public static void main(String[] args) throws Exception {
        if (Reservation.SHIFTED_METADATA || !Checks.ON) {
            throw new AssertionError("the child must run with -Dhakmem.shiftedMetadata=false and the checks on");
        }
        if (Shadow.SHADOW == Reservation.BASE >>> 5 || PageOwners.TABLE == Reservation.BASE >>> 9) {
            throw new AssertionError("a region at the shifted address although the placement is off");
        }
        long live0 = Hakmem.stats().liveBytes();
        long a = Hakmem.malloc(48);
        if (Shadow.word(a) == ((a >>> 5) & ~15L)) {
            throw new AssertionError("no bias on the shadow word's address");
        }
        Hakmem.free(a);
        expectRefused(IllegalStateException.class, a, "a second free by the owner");
        for (long gap : new long[] {Reservation.WINDOW, Reservation.BASE - 8}) {
            // in the window, before the first slot: the regions cover it (zero), the free finds no block
            expectRefused(IllegalArgumentException.class, gap, "a free before the first slot");
        }

        long b = Hakmem.malloc(200);
        Thread other = Thread.ofPlatform().start(() -> Hakmem.free(b));
        other.join();
        expectRefused(IllegalStateException.class, b, "a free of a block another thread's free queued");

        ChecksOffChild.churn(1, 512, 200_000, null);
        ChecksOffChild.churnWithRemoteFrees(2);
        ChecksOffChild.churnOnVirtualThreads();
        Hakmem.trim(); // collects the remote frees still queued
        long live = Hakmem.stats().liveBytes();
        if (live != live0) {
            throw new AssertionError("live bytes " + live0 + " before, " + live + " after");
        }
        System.out.println("OK");
    }

    /** {@code free(a)} must throw {@code type} (any other exception propagates). */
    private static void expectRefused(Class<? extends RuntimeException> type, long a, String what) {
        try {
            Hakmem.free(a);
        } catch (RuntimeException e) {
            if (type.isInstance(e)) {
                return;
            }
            throw e;
        }
        throw new AssertionError(what + " of 0x" + Long.toHexString(a) + " was not refused");
    }
}
