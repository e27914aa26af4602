package dev.hakmem.bench.placement;

/**
 * Best fit with immediate coalescing, as a coalescing allocator (glibc's, without its chunk
 * headers) places blocks: requests are rounded up to 16 bytes; a request takes the smallest free
 * chunk that holds it (of equal ones, the most recently freed) and leaves the rest of the chunk
 * free; a freed block merges with free neighbours on both sides ({@link Holes}); a request no
 * chunk holds is cut from the top of the space, and a free chunk that reaches the top lowers it.
 */
public final class BestFitPlacement implements Placement {

    private static final long GRANULE = 16;

    private final Holes holes = new Holes();
    private long top;

    /** @param base start of the model space it cuts chunks from */
    public BestFitPlacement(long base) {
        this.top = base;
    }

    @Override
    public String name() {
        return "best fit, coalescing";
    }

    static long rounded(long size) {
        return (size + GRANULE - 1) & -GRANULE;
    }

    @Override
    public long place(long size) {
        long need = rounded(size);
        long a = holes.takeBestFit(need);
        if (a < 0) {
            a = top;
            top += need;
        }
        return a;
    }

    @Override
    public void release(long address, long size) {
        long start = holes.add(address, rounded(size));
        if (start + holes.lengthAt(start) == top) {
            holes.remove(start);
            top = start;
        }
    }

    /** Free chunks now (for tests). */
    int freeChunks() {
        return holes.count();
    }

    /** The top of the space (for tests). */
    long top() {
        return top;
    }
}
