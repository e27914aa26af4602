package dev.hakmem.bench.driver;

import dev.hakmem.bench.alloc.Allocator;
import dev.hakmem.bench.alloc.BlockTable;

/**
 * large-churn {@code CYCLES WS SEED [MIN MAX]}: random-mixed's loop over blocks of 32 KiB - 512 KiB
 * by default, each written all over when allocated: WS slots; each cycle picks a random slot and
 * frees its block if it holds one, else allocates a random size into it and fills every byte.
 * ops = CYCLES. What a churn of large blocks costs where their pages are used, not only placed:
 * the price of giving pages back that the next owner of a block writes again (hakmem's
 * {@code hakmem.largeSlackAge}, docs/results/memory). Not in the quick suite (a few hundred
 * thousand operations take seconds); run it with {@code --drivers large-churn} or {@code SideBySide}.
 */
public final class LargeChurn implements Driver {

    @Override
    public String name() {
        return "large-churn";
    }

    @Override
    public String usage() {
        return "CYCLES WS SEED [MIN MAX]  (defaults 200000 64 42 32769 524288)";
    }

    @Override
    public Params complete(Params given) {
        return given.platformOnly(name()).withDefaults("200000", "64", "42", "32769", "524288");
    }

    @Override
    public Measurement run(Allocator allocator, Params p, PeakProbe probe) {
        return RandomMixed.run(allocator, p, probe, LargeChurn::cycle);
    }

    /** random-mixed's loop, each block filled when allocated. */
    static void cycle(BlockTable table, Xorshift64Star rng, long cycles, int ws, long min, long max) {
        for (long c = 0; c < cycles; c++) {
            long r = rng.next();
            int slot = Xorshift64Star.slot(r, ws);
            if (table.address(slot) != 0) {
                table.free(slot);
            } else {
                long size = Xorshift64Star.size(r, min, max);
                Memory.fill(table.allocate(slot, size), size, (byte) r);
            }
        }
    }

    @Override
    public double estimateSeconds(Params p) {
        return p.longAt(0, 0) * 6e-6;
    }
}
