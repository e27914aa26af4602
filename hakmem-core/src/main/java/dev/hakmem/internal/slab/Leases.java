package dev.hakmem.internal.slab;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A span's leases ({@link Lender}) in address order: their starts in one sorted {@code long[]},
 * binary-searched, and the leases at the same indices.
 *
 * <pre>
 *   starts:  s0 &lt; s1 &lt; ... &lt; s(n-1)          starts[i] == leases[i].start
 *   leases:  [l0 )  [l1  )   ...  [l(n-1) )    never overlapping: leases[i].end &lt;= starts[i + 1]
 * </pre>
 *
 * A look-up reads one array of longs (a span's few hundred leases at most: a few cache lines
 * per search) where a {@code TreeMap} read a node and a boxed key per level, each a cache miss in
 * a heap whose frees land all over its spans; adding and ending a lease allocate nothing unless
 * the arrays grow. Under the span's monitor, like the lent table.
 */
final class Leases implements Iterable<Lease> {
    private long[] starts = new long[8];
    private Lease[] leases = new Lease[8];
    private int n;

    int size() {
        return n;
    }

    boolean isEmpty() {
        return n == 0;
    }

    /** Index of the last lease that starts at or before {@code a}, or -1 (the starts are distinct). */
    private int floorIndex(long a) {
        int i = Arrays.binarySearch(starts, 0, n, a);
        return i >= 0 ? i : -i - 2;
    }

    /** The last lease that starts at or before {@code a}, or null. */
    Lease floor(long a) {
        int i = floorIndex(a);
        return i >= 0 ? leases[i] : null;
    }

    /** The lease that holds address {@code a}, or null. */
    Lease at(long a) {
        Lease l = floor(a);
        return l != null && a < l.end ? l : null;
    }

    /** Whether {@code l} is one of the leases. */
    boolean contains(Lease l) {
        int i = floorIndex(l.start);
        return i >= 0 && leases[i] == l;
    }

    /** The lease that starts last before {@code a}, or null. */
    Lease below(long a) {
        int i = floorIndex(a - 1);
        return i >= 0 ? leases[i] : null;
    }

    /** The lease that starts first after {@code a}, or null. */
    Lease above(long a) {
        int i = floorIndex(a) + 1;
        return i < n ? leases[i] : null;
    }

    /** Adds lease {@code l}, which overlaps none of them. */
    void add(Lease l) {
        int i = floorIndex(l.start) + 1;
        assert (i == 0 || leases[i - 1].end <= l.start) && (i == n || l.end <= starts[i]) : l + " overlaps " + this;
        if (n == starts.length) {
            starts = Arrays.copyOf(starts, n * 2);
            leases = Arrays.copyOf(leases, n * 2);
        }
        System.arraycopy(starts, i, starts, i + 1, n - i);
        System.arraycopy(leases, i, leases, i + 1, n - i);
        starts[i] = l.start;
        leases[i] = l;
        n++;
    }

    /** Removes lease {@code l}, one of them. */
    void remove(Lease l) {
        int i = floorIndex(l.start);
        assert i >= 0 && leases[i] == l : l + " is not in " + this;
        System.arraycopy(starts, i + 1, starts, i, n - i - 1);
        System.arraycopy(leases, i + 1, leases, i, n - i - 1);
        n--;
        leases[n] = null;
    }

    /** The leases in address order that start before {@code to}, from the one that holds or follows {@code from}. */
    Iterable<Lease> from(long from, long to) {
        int first = Math.max(0, floorIndex(from));
        return () -> new Iterator<>() {
            private int i = first;

            @Override
            public boolean hasNext() {
                return i < n && starts[i] < to;
            }

            @Override
            public Lease next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return leases[i++];
            }
        };
    }

    @Override
    public Iterator<Lease> iterator() {
        return from(Long.MIN_VALUE, Long.MAX_VALUE).iterator();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            b.append(i > 0 ? ", " : "").append(leases[i]);
        }
        return b.append(']').toString();
    }
}
