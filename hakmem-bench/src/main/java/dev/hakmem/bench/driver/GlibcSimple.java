package dev.hakmem.bench.driver;

import dev.hakmem.bench.alloc.Allocator;
import dev.hakmem.bench.alloc.BlockTable;

/**
 * glibc-simple {@code SIZE N}: 2,000,000 / N rounds of: allocate N blocks of SIZE bytes writing
 * every byte, free the first half in allocation order and the second half in reverse.
 * ops = rounds x N x 2 (every allocation and every free).
 */
public final class GlibcSimple implements Driver {

    private static final long TOTAL = 2_000_000;

    @Override
    public String name() {
        return "glibc-simple";
    }

    @Override
    public String usage() {
        return "SIZE N  (sizes 16, 32, 64; N 25, 100, 400, 1600; defaults 64 100)";
    }

    @Override
    public Params complete(Params given) {
        return given.platformOnly(name()).withDefaults("64", "100");
    }

    @Override
    public Measurement run(Allocator allocator, Params p, PeakProbe probe) {
        long size = p.longAt(0, 0);
        int n = p.intAt(1, 0);
        long rounds = Math.max(1, TOTAL / n);
        int half = n / 2;
        BlockTable table = allocator.newTable(n, false);
        long start = System.nanoTime();
        for (long r = 0; r < rounds; r++) {
            for (int i = 0; i < n; i++) {
                Memory.fill(table.allocate(i, size), size, (byte) i);
            }
            if (r == 0) {
                probe.mark();
            }
            for (int i = 0; i < half; i++) {
                table.free(i);
            }
            for (int i = n - 1; i >= half; i--) {
                table.free(i);
            }
        }
        long nanos = System.nanoTime() - start;
        return new Measurement(rounds * n * 2, Math.max(1, nanos));
    }

    @Override
    public double estimateSeconds(Params p) {
        return 2.0 * TOTAL / 50e6;
    }
}
