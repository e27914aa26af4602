package dev.hakmem.bench.driver;

import dev.hakmem.bench.alloc.Allocator;
import dev.hakmem.bench.alloc.BlockTable;

/**
 * random-mixed {@code CYCLES WS SEED [MIN MAX]}: WS slots; each cycle picks a random slot and
 * frees its block if it holds one, else allocates a random size into it and writes the first
 * byte. ops = CYCLES.
 */
public final class RandomMixed implements Driver {

    @Override
    public String name() {
        return "random-mixed";
    }

    @Override
    public String usage() {
        return "CYCLES WS SEED [MIN MAX]  (defaults 10000000 256 42 16 1024)";
    }

    @Override
    public Params complete(Params given) {
        return given.platformOnly(name()).withDefaults("10000000", "256", "42", "16", "1024");
    }

    @Override
    public Measurement run(Allocator allocator, Params p, PeakProbe probe) {
        return run(allocator, p, probe, RandomMixed::cycle);
    }

    /** The loop of random-mixed and of large-churn, over parameters {@code CYCLES WS SEED MIN MAX}. */
    interface Loop {
        void cycle(BlockTable table, Xorshift64Star rng, long cycles, int ws, long min, long max);
    }

    /** Runs {@code loop} over {@code p}'s {@code CYCLES WS SEED MIN MAX}, timed; ops = CYCLES. */
    static Measurement run(Allocator allocator, Params p, PeakProbe probe, Loop loop) {
        long cycles = p.longAt(0, 0);
        int ws = p.intAt(1, 0);
        BlockTable table = allocator.newTable(ws, false);
        long start = System.nanoTime();
        loop.cycle(table, new Xorshift64Star(p.longAt(2, 0)), cycles, ws, p.longAt(3, 0), p.longAt(4, 0));
        long nanos = System.nanoTime() - start;
        probe.mark();
        table.freeAll();
        return new Measurement(cycles, Math.max(1, nanos));
    }

    /** The loop itself; mid-mt runs it on each of its threads, the warm-up driver in slices. */
    public static void cycle(BlockTable table, Xorshift64Star rng, long cycles, int ws, long min, long max) {
        for (long c = 0; c < cycles; c++) {
            long r = rng.next();
            int slot = Xorshift64Star.slot(r, ws);
            if (table.address(slot) != 0) {
                table.free(slot);
            } else {
                long address = table.allocate(slot, Xorshift64Star.size(r, min, max));
                Memory.writeByte(address, (byte) r);
            }
        }
    }

    @Override
    public double estimateSeconds(Params p) {
        return p.longAt(0, 0) / 40e6 + p.longAt(1, 0) * 300e-9;
    }
}
