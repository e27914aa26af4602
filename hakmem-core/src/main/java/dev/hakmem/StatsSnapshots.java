package dev.hakmem;

import dev.hakmem.internal.slab.Counters;
import dev.hakmem.internal.slab.HeapDecay;
import dev.hakmem.internal.slab.Heaps;
import dev.hakmem.internal.os.MemoryBudget;
import dev.hakmem.internal.os.Os;
import dev.hakmem.internal.huge.HugeTier;
import dev.hakmem.internal.slab.SizeClasses;
import dev.hakmem.internal.slab.SpanPool;

import java.util.ArrayList;
import java.util.List;

/** Assembles a {@link Stats} snapshot from the heaps' counters, the pool and the OS layer. */
final class StatsSnapshots {
    private StatsSnapshots() {}

    static Stats snapshot() {
        Counters.Totals ctr = Heaps.counters();
        List<Stats.SizeClass> classes = new ArrayList<>(SizeClasses.COUNT);
        long live = HugeTier.liveBytes();
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            long allocs = ctr.allocations(c);
            long frees = ctr.frees(c);
            classes.add(new Stats.SizeClass(c, SizeClasses.size(c), allocs, frees, ctr.refills(c), ctr.remoteFrees(c), ctr.lent(c)));
            live += (allocs - frees) * SizeClasses.size(c);
        }
        long[] st = SpanPool.stageHits();
        return new Stats(live, MemoryBudget.mapped(), Os.mmapCalls(), Os.munmapCalls(), Os.madviseCalls(), Os.populateCalls(),
                SpanPool.committed(), classes, new Stats.Stages(st[0], st[1], st[2], st[3], st[4]),
                HugeTier.cachedBytes(), HeapDecay.borrows());
    }
}
