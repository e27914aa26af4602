package dev.hakmem.bench.driver;

import dev.hakmem.bench.alloc.Allocator;
import dev.hakmem.bench.alloc.BlockTable;

/**
 * mid-mt {@code THREADS CYCLES WS}: every thread runs random-mixed on its own WS slots with
 * sizes 1024-8192 B (seed 42 + thread). ops = THREADS x CYCLES.
 */
public final class MidMt implements Driver {

    private static final long SEED = 42;
    private static final long MIN = 1024;
    private static final long MAX = 8192;

    @Override
    public String name() {
        return "mid-mt";
    }

    @Override
    public String usage() {
        return "THREADS CYCLES WS [vt]  (defaults 2 4000000 256)";
    }

    @Override
    public Params complete(Params given) {
        return given.withDefaults("2", "4000000", "256");
    }

    @Override
    public Measurement run(Allocator allocator, Params p, PeakProbe probe) throws InterruptedException {
        int threads = p.intAt(0, 0);
        long cycles = p.longAt(1, 0);
        int ws = p.intAt(2, 0);
        BlockTable[] tables = new BlockTable[threads];
        return Workers.run(name(), p.threads(), threads,
                t -> tables[t] = allocator.newTable(ws, false),
                t -> {
                    RandomMixed.cycle(tables[t], new Xorshift64Star(SEED + t), cycles, ws, MIN, MAX);
                    if (t == 0) {
                        probe.mark();
                    }
                    return cycles;
                },
                t -> tables[t].freeAll());
    }

    @Override
    public boolean multiThreaded() {
        return true;
    }

    @Override
    public double estimateSeconds(Params p) {
        return p.longAt(1, 0) / 25e6 * Math.max(1.0, p.longAt(0, 0) / 2.0);
    }
}
