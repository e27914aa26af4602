package dev.hakmem.bench.driver;

import dev.hakmem.bench.alloc.Allocator;
import dev.hakmem.bench.alloc.BlockTable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * alloc-test {@code THREADS OPS}: each thread owns 2^18 / THREADS slots, half of them filled
 * first (every other slot, untimed); then OPS times it picks a slot (80 % of the time among
 * the first 20 % of its slots) and frees the block there or allocates one. Sizes are 5-1024 B
 * with halving odds (1/2 of draws 5-8 B, 1/4 9-16 B, ..., 1/128 257-512 B and 1/128
 * 513-1024 B). Every byte is written on allocation and read back before the free; a block
 * that changed while allocated fails the run. ops = THREADS x OPS.
 */
public final class AllocTest implements Driver {

    private static final long SEED = 42;
    private static final int SLOTS = 1 << 18;

    @Override
    public String name() {
        return "alloc-test";
    }

    @Override
    public String usage() {
        return "THREADS OPS [vt]  (defaults 1 20000000; OPS per thread)";
    }

    @Override
    public Params complete(Params given) {
        return given.withDefaults("1", "20000000");
    }

    @Override
    public Measurement run(Allocator allocator, Params p, PeakProbe probe) throws InterruptedException {
        int threads = p.intAt(0, 0);
        long ops = p.longAt(1, 0);
        int slots = SLOTS / threads;
        boolean verify = allocator.distinctBlocks();
        BlockTable[] tables = new BlockTable[threads];
        int[][] sizes = new int[threads][];
        AtomicLong corrupt = new AtomicLong();
        Xorshift64Star[] rngs = new Xorshift64Star[threads];
        Measurement m = Workers.run(name(), p.threads(), threads,
                t -> {
                    BlockTable table = allocator.newTable(slots, false);
                    int[] size = new int[slots];
                    Xorshift64Star rng = new Xorshift64Star(SEED + t);
                    for (int s = 0; s < slots; s += 2) {
                        allocate(table, size, s, rng.next());
                    }
                    tables[t] = table;
                    sizes[t] = size;
                    rngs[t] = rng;
                    if (t == 0) {
                        probe.mark();
                    }
                },
                t -> {
                    long bad = loop(tables[t], sizes[t], rngs[t], ops, verify);
                    corrupt.addAndGet(bad);
                    return ops;
                },
                t -> {
                    // frees what is left on the owning thread (a confined arena insists), untimed
                    BlockTable table = tables[t];
                    for (int s = 0; s < slots; s++) {
                        if (table.address(s) != 0) {
                            if (verify && Memory.check(table.address(s), sizes[t][s], (byte) s) != 0) {
                                corrupt.incrementAndGet();
                            }
                            table.free(s);
                        }
                    }
                });
        if (corrupt.get() > 0) {
            throw new IllegalStateException(corrupt.get() + " blocks changed while allocated");
        }
        return m;
    }

    private static long loop(BlockTable table, int[] size, Xorshift64Star rng, long ops, boolean verify) {
        int slots = size.length;
        int hot = Math.max(1, slots / 5);
        long corrupt = 0;
        for (long i = 0; i < ops; i++) {
            long r = rng.next();
            int pick = (int) (r >>> 32);
            // bits 8-15 choose hot (80 %) or cold; bits 32-63 the slot within that part
            int slot = ((int) (r >>> 8) & 0xFF) * 5 >= 256 ? Integer.remainderUnsigned(pick, hot)
                    : hot + Integer.remainderUnsigned(pick, slots - hot);
            long address = table.address(slot);
            if (address != 0) {
                if (Memory.check(address, size[slot], (byte) slot) != 0 && verify) {
                    corrupt++;
                }
                table.free(slot);
            } else {
                allocate(table, size, slot, r);
            }
        }
        return corrupt;
    }

    /** Allocates a block of the size {@code r} draws into {@code slot} and fills it with the slot's pattern. */
    private static void allocate(BlockTable table, int[] size, int slot, long r) {
        int n = size(r);
        Memory.fill(table.allocate(slot, n), n, (byte) slot);
        size[slot] = n;
    }

    /**
     * The size a draw picks: bucket k (0-7) with odds 1/2^(k+1), the last taking the remainder,
     * from the trailing zeros of the low byte; then uniform within the bucket.
     */
    static int size(long r) {
        int k = Math.min(Long.numberOfTrailingZeros(r | 0x80), 7);
        int low = k == 0 ? 5 : (4 << k) + 1;
        int high = 8 << k;
        return low + ((int) (r >>> 16) & 0xFFFF) % (high - low + 1);
    }

    @Override
    public boolean multiThreaded() {
        return true;
    }

    @Override
    public double estimateSeconds(Params p) {
        return p.longAt(0, 0) * p.longAt(1, 0) / 25e6 / Math.min(2, p.longAt(0, 0)) + 0.1;
    }
}
