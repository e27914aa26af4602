package dev.hakmem.bench.driver;

import dev.hakmem.bench.alloc.Allocator;
import dev.hakmem.bench.alloc.BlockTable;

/**
 * tiny-hot {@code SIZE BATCH CYCLES}: each cycle allocates BATCH blocks of SIZE bytes, writing
 * the first byte of each, then frees them in reverse order. ops = 2 x BATCH x CYCLES.
 */
public final class TinyHot implements Driver {

    @Override
    public String name() {
        return "tiny-hot";
    }

    @Override
    public String usage() {
        return "SIZE BATCH CYCLES  (defaults 16 100 60000)";
    }

    @Override
    public Params complete(Params given) {
        return given.platformOnly(name()).withDefaults("16", "100", "60000");
    }

    @Override
    public Measurement run(Allocator allocator, Params p, PeakProbe probe) {
        long size = p.longAt(0, 0);
        int batch = p.intAt(1, 0);
        long cycles = p.longAt(2, 0);
        BlockTable table = allocator.newTable(batch, false);
        long start = System.nanoTime();
        for (long c = 0; c < cycles; c++) {
            for (int i = 0; i < batch; i++) {
                Memory.writeByte(table.allocate(i, size), (byte) i);
            }
            for (int i = batch - 1; i >= 0; i--) {
                table.free(i);
            }
        }
        long nanos = System.nanoTime() - start;
        return new Measurement(2 * batch * cycles, Math.max(1, nanos));
    }

    @Override
    public double estimateSeconds(Params p) {
        return 2.0 * p.longAt(1, 0) * p.longAt(2, 0) / 60e6;
    }
}
