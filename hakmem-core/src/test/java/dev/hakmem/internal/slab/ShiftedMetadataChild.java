package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.internal.config.Checks;
import dev.hakmem.internal.os.Reservation;
import dev.hakmem.testing.BlockPattern;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Child JVM of {@link ShiftedMetadataTest}, run with {@code -Dhakmem.shiftedMetadata=false}: the
 * shadow and the page-owner table wherever the kernel put them (a bias on every word's address),
 * with the checks on. Model-based churn with every byte checked (local, remote, virtual threads),
 * a double free refused on the owner's path and of a block queued by another thread's free, the
 * live bytes back where they started. Prints {@code OK} and exits 0, or throws.
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
        expectIllegalState(a, "a second free by the owner");

        long b = Hakmem.malloc(200);
        Thread other = Thread.ofPlatform().start(() -> Hakmem.free(b));
        other.join();
        expectIllegalState(b, "a free of a block another thread's free queued");

        ChecksOffChild.churn(1, 512, 200_000, null);
        BlockingQueue<long[]> q = new ArrayBlockingQueue<>(1024);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread freer = Thread.ofPlatform().start(() -> {
            try {
                for (long[] x; (x = q.take()).length == 3; ) {
                    BlockPattern.verify(x[0], x[1], BlockPattern.off(x[2]), "remote free");
                    Hakmem.free(x[0]);
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        ChecksOffChild.churn(2, 512, 200_000, q);
        q.put(new long[0]);
        freer.join();
        if (failure.get() != null) {
            throw new AssertionError("remote freer failed", failure.get());
        }
        ChecksOffChild.churnOnVirtualThreads();
        Hakmem.trim(); // collects the remote frees still queued
        long live = Hakmem.stats().liveBytes();
        if (live != live0) {
            throw new AssertionError("live bytes " + live0 + " before, " + live + " after");
        }
        System.out.println("OK");
    }

    private static void expectIllegalState(long a, String what) {
        try {
            Hakmem.free(a);
        } catch (IllegalStateException expected) {
            return;
        }
        throw new AssertionError(what + " of 0x" + Long.toHexString(a) + " was not refused");
    }
}
