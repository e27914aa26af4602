package dev.hakmem.internal.front;

import dev.hakmem.internal.slab.Slab;

/** Builds the exceptions for misuse; every message names the operation, the address, the size class and the reason. */
final class Errors {
    private Errors() {}

    static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }

    static IllegalArgumentException unknown(String op, long a) {
        return new IllegalArgumentException("hakmem: " + op + "(" + hex(a)
                + "): address was not returned by hakmem (not a block of any SuperSlab or direct mapping)");
    }

    /** For an address outside every SuperSlab: a huge block freed before, or unknown. */
    static RuntimeException unknownOrFreedHuge(String op, long a) {
        var in = dev.hakmem.internal.tier.HugeTier.containing(a);
        if (in != null) {
            return new IllegalArgumentException("hakmem: " + op + "(" + hex(a) + "): interior address of the huge block at "
                    + hex(in.getKey()) + " (" + in.getValue() + " bytes)");
        }
        if (dev.hakmem.internal.tier.HugeTier.wasFreed(a)) {
            return new IllegalStateException("hakmem: " + op + "(" + hex(a)
                    + "): huge block (direct mapping) is already free (double free?)");
        }
        return unknown(op, a);
    }

    static IllegalArgumentException notBlockStart(String op, long a, Slab s) {
        long o = a - s.base;
        long i = o / s.blockSize;
        String why = i >= s.capacity ? "lies in the unused tail of a span"
                : i >= s.carved || o % s.blockSize == 0 ? "is a block that was never handed out"
                : "is an interior address of the block at " + hex(s.base + i * s.blockSize);
        return new IllegalArgumentException("hakmem: " + op + "(" + hex(a) + "): address " + why
                + " (size class " + s.cls + ", " + s.blockSize + " B blocks)");
    }

    static IllegalStateException notLive(String op, long a, Slab s) {
        return new IllegalStateException("hakmem: " + op + "(" + hex(a) + "): block of size class " + s.cls
                + " (" + s.blockSize + " B) is already free (double free?)");
    }
}
