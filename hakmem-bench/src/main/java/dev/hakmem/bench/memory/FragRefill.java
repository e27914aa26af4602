package dev.hakmem.bench.memory;

import dev.hakmem.bench.alloc.BlockTable;
import dev.hakmem.bench.driver.Xorshift64Star;

/**
 * {@code frag-refill}, one thread: builds a mixed working set of {@value #LIVE_MIB} MiB (by
 * count 90 % 16-256 B, 9.5 % 1-32 KiB, 0.5 % 64-512 KiB: about 4 % of the bytes in small blocks,
 * half in mid-sized ones), then {@value #ROUNDS} rounds of: free each block with probability 1/2,
 * refill to the same live bytes with small blocks of other sizes (272 B-1 KiB, 64-512 B,
 * 1040 B-4 KiB, 16-256 B in turn), so the space freed by one size must serve another. Then frees
 * everything. Roughly 4.5 million allocations at scale 1.
 */
final class FragRefill extends OneThreadDriver {

    static final long LIVE_MIB = 640;
    static final int ROUNDS = 4;
    static final double FREE_SHARE = 0.5;
    static final SizeMix START = SizeMix.of(90, 16, 256, 9.5, 1024, 32768, 0.5, 65536, 524288);
    static final SizeMix[] REFILL = {SizeMix.of(1, 272, 1024), SizeMix.of(1, 64, 512),
        SizeMix.of(1, 1040, 4096), SizeMix.of(1, 16, 256)};
    /** Slots: enough for the live bytes in blocks of 96 B on average (the refills average 136 B and up). */
    private static final int BYTES_PER_SLOT = 96;

    FragRefill() {
        super(8);
    }

    @Override
    public String name() {
        return "frag-refill";
    }

    @Override
    public String description() {
        return "one thread: " + LIVE_MIB + " MiB of " + START + " (by count), then " + ROUNDS
                + " rounds of: free a random half, refill to the same live bytes with other small sizes ("
                + REFILL[0] + ", " + REFILL[1] + ", " + REFILL[2] + ", " + REFILL[3] + "); then free all";
    }

    @Override
    void body(Workload w) {
        long target = Math.max(1, (long) (LIVE_MIB * w.scale() * (1 << 20)));
        int capacity = (int) Math.min(Integer.MAX_VALUE - 16, target / BYTES_PER_SLOT + 1024);
        BlockTable table = w.allocator().newTable(capacity, false);
        int[] size = new int[capacity];
        LiveBytes live = w.live();
        Xorshift64Star random = new Xorshift64Star(w.seed());
        long held = 0;
        int end = 0; // slots at and above end were never used
        w.phases().begin("build " + START);
        while (held < target) {
            size[end] = (int) START.draw(random);
            Blocks.allocate(table, end, size[end], live);
            held += size[end++];
        }
        for (int round = 0; round < ROUNDS; round++) {
            w.phases().begin("round " + (round + 1) + ": free half, refill " + REFILL[round % REFILL.length]);
            for (int i = 0; i < end; i++) {
                if (size[i] != 0 && SizeMix.uniform(random) < FREE_SHARE) {
                    Blocks.free(table, i, size[i], live);
                    held -= size[i];
                    size[i] = 0;
                }
            }
            SizeMix refill = REFILL[round % REFILL.length];
            int i = 0;
            while (held < target) {
                while (i < end && size[i] != 0) {
                    i++;
                }
                if (i == capacity) {
                    throw new IllegalStateException("frag-refill: all " + capacity + " slots in use");
                }
                size[i] = (int) refill.draw(random);
                Blocks.allocate(table, i, size[i], live);
                held += size[i];
                if (i == end) {
                    end++;
                }
            }
        }
        w.phases().begin("free all");
        for (int i = 0; i < end; i++) {
            if (size[i] != 0) {
                Blocks.free(table, i, size[i], live);
                size[i] = 0;
            }
        }
    }
}
