package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.internal.os.Os;
import dev.hakmem.internal.os.Reservation;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Child JVM of {@link ShiftedMetadataTest}, run with {@code -Dhakmem.reserve=200m}: the window is
 * 128 MiB (200 MiB rounded down to a power of two), aligned to its size, the slots from BASE to its
 * end. Blocks of 1 MiB fill every slot up to an {@link OutOfMemoryError} naming the reservation,
 * every block inside [BASE, WINDOW + 128 MiB) with every byte written (the last slot is usable to
 * its end); after they are all freed the same count fits again. Prints {@code OK}.
 */
public final class SmallWindowChild {
    private SmallWindowChild() {}

    private static final long BLOCK = 1L << 20;

    public static void main(String[] args) {
        long size = 1L << Reservation.WINDOW_SHIFT;
        check(size == 128L << 20, "window of " + size + " bytes, not 128 MiB");
        check((Reservation.WINDOW & (size - 1)) == 0, "window not aligned to its size");
        check(Reservation.BASE + Reservation.SIZE == Reservation.WINDOW + size, "slots do not run to the window's end");
        long offset = Reservation.BASE - Reservation.WINDOW;
        check(offset >= Reservation.UNIT && offset <= size / 8, "offset " + offset + ": at most an eighth of a small window");
        check(Shadow.SHADOW == Reservation.BASE >>> 5 && PageOwners.TABLE == Reservation.BASE >>> 9, "metadata not at BASE shifted");
        int first = fill();
        int second = fill();
        check(first == second, "filled " + first + " blocks, then " + second);
        check(first * BLOCK >= Reservation.SIZE / 2, first + " blocks of 1 MiB in " + (Reservation.SIZE >> 20) + " MiB");
        System.out.println("OK " + first + " blocks of 1 MiB in " + (Reservation.SIZE >> 20) + " MiB of slots");
    }

    /** Allocates 1 MiB blocks until the reservation is full, checks and frees them; returns the count. */
    private static int fill() {
        List<Long> blocks = new ArrayList<>();
        try {
            while (true) {
                long a = Hakmem.malloc(BLOCK);
                check(a >= Reservation.BASE && a + BLOCK <= Reservation.BASE + Reservation.SIZE,
                        "block at " + Long.toHexString(a) + " outside the slots");
                check(Reservation.inWindow(a) && Reservation.inWindow(a + BLOCK - 1), "block outside the window");
                Os.ALL.asSlice(a, BLOCK).fill((byte) blocks.size());
                blocks.add(a);
            }
        } catch (OutOfMemoryError e) {
            check(e.getMessage().contains("reservation"), "out of memory for another reason: " + e.getMessage());
        }
        for (int i = 0; i < blocks.size(); i++) {
            long a = blocks.get(i);
            check(Os.ALL.get(ValueLayout.JAVA_BYTE, a + BLOCK - 1) == (byte) i, "block " + i + " overwritten");
            Hakmem.free(a);
        }
        Hakmem.trim();
        return blocks.size();
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
