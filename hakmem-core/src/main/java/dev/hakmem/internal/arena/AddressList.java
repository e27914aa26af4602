package dev.hakmem.internal.arena;

import dev.hakmem.internal.Allocator;

import java.util.Arrays;

/**
 * The hakmem blocks of one arena: a growable {@code long[]} of addresses, freed all at once.
 * Not thread-safe; a shared arena guards it with its own lock.
 */
public final class AddressList {
    private long[] addresses = new long[16];
    private int size;

    /** Records {@code address}. */
    public void add(long address) {
        long[] a = addresses;
        int n = size;
        if (n == a.length) {
            a = grow();
        }
        a[n] = address;
        size = n + 1;
    }

    private long[] grow() {
        return addresses = Arrays.copyOf(addresses, addresses.length << 1);
    }

    /** Blocks recorded. */
    public int size() {
        return size;
    }

    /**
     * Frees every recorded block with {@link Allocator#free(long)} and forgets them. A block that
     * fails to free (which would be a bug) does not stop the others; the first failure is
     * rethrown after all were tried.
     */
    public void freeAll() {
        long[] a = addresses;
        int n = size;
        size = 0;
        RuntimeException failure = null;
        for (int i = 0; i < n; i++) {
            try {
                Allocator.free(a[i]);
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
