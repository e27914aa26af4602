package dev.hakmem.bench.driver;

import dev.hakmem.bench.alloc.Allocator;
import dev.hakmem.bench.alloc.BlockTable;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * cache-scratch {@code THREADS ITER REPS}: the main thread allocates THREADS 8-byte blocks back
 * to back and hands one to each thread; a thread frees it, then ITER times allocates 8 bytes,
 * writes each of its bytes REPS / THREADS times and frees it. An allocator that gives
 * neighbouring threads blocks in one cache line loses to false sharing.
 * ops = THREADS x ITER x (REPS / THREADS): one op is one write of the whole 8-byte block
 * (byte by byte), so ops/s shows the write rate that false sharing slows down; each block's
 * allocate and free are part of the time too.
 *
 * <p>The writes are opaque stores, so the JIT cannot fold the repeated writes into one.
 */
public final class CacheScratch implements Driver {

    private static final long BLOCK = 8;
    private static final VarHandle BYTE = ValueLayout.JAVA_BYTE.varHandle();

    @Override
    public String name() {
        return "cache-scratch";
    }

    @Override
    public String usage() {
        return "THREADS ITER REPS [vt]  (defaults 2 1000 200000)";
    }

    @Override
    public Params complete(Params given) {
        return given.withDefaults("2", "1000", "200000");
    }

    @Override
    public Measurement run(Allocator allocator, Params p, PeakProbe probe) throws InterruptedException {
        int threads = p.intAt(0, 0);
        long iterations = p.longAt(1, 0);
        long reps = p.longAt(2, 0) / threads;
        BlockTable handed = allocator.newTable(threads, true);
        for (int t = 0; t < threads; t++) {
            Memory.writeByte(handed.allocate(t, BLOCK), (byte) t);
        }
        probe.mark();
        BlockTable[] own = new BlockTable[threads];
        return Workers.run(name(), p.threads(), threads,
                t -> own[t] = allocator.newTable(1, false),
                t -> {
                    handed.free(t);
                    BlockTable mine = own[t];
                    for (long i = 0; i < iterations; i++) {
                        long address = mine.allocate(0, BLOCK);
                        scribble(address, reps);
                        mine.free(0);
                    }
                    return iterations * reps;
                });
    }

    private static void scribble(long address, long reps) {
        for (long r = 0; r < reps; r++) {
            for (long k = 0; k < BLOCK; k++) {
                BYTE.setOpaque(Memory.ALL, address + k, (byte) (k + r));
            }
        }
    }

    @Override
    public boolean multiThreaded() {
        return true;
    }

    @Override
    public double estimateSeconds(Params p) {
        return p.longAt(1, 0) * (double) p.longAt(2, 0) * BLOCK / 2e9;
    }
}
