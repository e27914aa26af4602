package dev.hakmem.internal.slab;

import dev.hakmem.internal.os.Os;

import java.lang.foreign.ValueLayout;

/**
 * Child JVM for {@link MagazineLayoutTest}, started with every class's capacity at 4,096: the
 * magazine indices go past 16 bits; each class's owner entry must name the right header, and
 * blocks of every class, freed by their owner, must go through its magazine and come back.
 */
public final class MagazineLayoutChild {
    private MagazineLayoutChild() {}

    public static void main(String[] args) {
        if (Magazines.SLOTS <= 0xFFFF) {
            throw new AssertionError("expected indices past 16 bits, slots " + Magazines.SLOTS);
        }
        Thread me = Thread.currentThread();
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            long e = PageOwners.entry(me, c);
            if (PageOwners.ownerId(e) != me.threadId() || PageOwners.magBase(e) != Magazines.base(c)) {
                throw new AssertionError("class " + c + ": entry " + Long.toHexString(e));
            }
        }
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            long size = SizeClasses.size(c);
            long[] blocks = new long[Math.min(64, SizeClasses.cacheCapacity(c))];
            for (int round = 0; round < 3; round++) {
                for (int k = 0; k < blocks.length; k++) {
                    blocks[k] = Front.malloc(size);
                    // the last word first: in a block of 8 bytes it is the first
                    Os.ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, blocks[k] + size - 8, ~blocks[k]);
                    Os.ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, blocks[k], blocks[k] ^ c);
                }
                for (long a : blocks) {
                    if (Os.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, a) != (a ^ c)
                            || (size > 8 && Os.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, a + size - 8) != ~a)) {
                        throw new AssertionError("class " + c + ": block " + Long.toHexString(a) + " overwritten");
                    }
                    Front.free(a);
                }
            }
            long[] m = Heaps.MAGS[(int) me.threadId() & Heaps.MASK];
            if (Magazines.count(m, c) < blocks.length || Magazines.pushes(m, c) < 3L * blocks.length) {
                throw new AssertionError("class " + c + ": the owner's frees did not go through its magazine (count "
                        + Magazines.count(m, c) + ", pushes " + Magazines.pushes(m, c) + ")");
            }
        }
        ChildChecks.trimAndRequireNothingLive();
        System.out.println("OK slots=" + Magazines.SLOTS);
    }
}
