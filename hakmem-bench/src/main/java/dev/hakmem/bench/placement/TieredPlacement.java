package dev.hakmem.bench.placement;

/**
 * Two placements by request size: requests of {@code [from, to]} bytes go to {@code inside}
 * (e.g. a coalescing tier), all others to {@code outside}. The two must use separate regions.
 */
public final class TieredPlacement implements Placement {

    private final Placement outside;
    private final Placement inside;
    private final long from;
    private final long to;

    public TieredPlacement(Placement outside, Placement inside, long from, long to) {
        if (from < 1 || to < from) {
            throw new IllegalArgumentException("tier " + from + "-" + to);
        }
        this.outside = outside;
        this.inside = inside;
        this.from = from;
        this.to = to;
    }

    @Override
    public String name() {
        return outside.name() + ", " + inside.name() + " for " + from + " B - " + to + " B";
    }

    @Override
    public long place(long size) {
        return size >= from && size <= to ? inside.place(size) : outside.place(size);
    }

    @Override
    public void release(long address, long size) {
        if (size >= from && size <= to) {
            inside.release(address, size);
        } else {
            outside.release(address, size);
        }
    }
}
