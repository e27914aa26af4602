package dev.hakmem.bench.driver;

import dev.hakmem.bench.alloc.Allocator;
import dev.hakmem.bench.alloc.BlockTable;

/**
 * random-mixed {@code CYCLES WS SEED [MIN MAX]}: WS slots; each cycle picks a random slot and
 * frees its block if it holds one, else allocates a random size into it and writes the first
 * byte. ops = CYCLES. {@link LargeChurn} runs the same loop over large blocks, each filled.
 */
public class RandomMixed implements Driver {

    private final String name;
    private final String[] defaults;
    /** Whether each block is written all over when allocated (else its first byte). */
    private final boolean fill;

    public RandomMixed() {
        this("random-mixed", false, "10000000", "256", "42", "16", "1024");
    }

    RandomMixed(String name, boolean fill, String... defaults) {
        this.name = name;
        this.fill = fill;
        this.defaults = defaults;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String usage() {
        return "CYCLES WS SEED [MIN MAX]  (defaults " + String.join(" ", defaults) + ")";
    }

    @Override
    public final Params complete(Params given) {
        return given.platformOnly(name()).withDefaults(defaults);
    }

    @Override
    public final Measurement run(Allocator allocator, Params p, PeakProbe probe) {
        long cycles = p.longAt(0, 0);
        int ws = p.intAt(1, 0);
        BlockTable table = allocator.newTable(ws, false);
        long start = System.nanoTime();
        cycle(table, new Xorshift64Star(p.longAt(2, 0)), cycles, ws, p.longAt(3, 0), p.longAt(4, 0), fill);
        long nanos = System.nanoTime() - start;
        probe.mark();
        table.freeAll();
        return new Measurement(cycles, Math.max(1, nanos));
    }

    /** The loop itself, writing each block's first byte; mid-mt runs it on each of its threads, the warm-up driver in slices. */
    public static void cycle(BlockTable table, Xorshift64Star rng, long cycles, int ws, long min, long max) {
        cycle(table, rng, cycles, ws, min, max, false);
    }

    /** The loop; {@code fill}: each block written all over (the JIT keeps a copy of the loop per value). */
    static void cycle(BlockTable table, Xorshift64Star rng, long cycles, int ws, long min, long max, boolean fill) {
        for (long c = 0; c < cycles; c++) {
            long r = rng.next();
            int slot = Xorshift64Star.slot(r, ws);
            if (table.address(slot) != 0) {
                table.free(slot);
            } else {
                long size = Xorshift64Star.size(r, min, max);
                long address = table.allocate(slot, size);
                if (fill) {
                    Memory.fill(address, size, (byte) r);
                } else {
                    Memory.writeByte(address, (byte) r);
                }
            }
        }
    }

    @Override
    public double estimateSeconds(Params p) {
        return p.longAt(0, 0) / 40e6 + p.longAt(1, 0) * 300e-9;
    }
}
