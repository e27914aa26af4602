package dev.hakmem.internal.stats;

import dev.hakmem.Stats;
import dev.hakmem.internal.front.Heaps;
import dev.hakmem.internal.os.MemoryBudget;
import dev.hakmem.internal.os.Os;
import dev.hakmem.internal.pool.SlabPool;
import dev.hakmem.internal.size.SizeClasses;
import dev.hakmem.internal.tier.HugeTier;

import java.util.ArrayList;
import java.util.List;

/** Assembles a {@link Stats} snapshot from the heaps' counters, the pool and the OS layer. */
public final class StatsCollector {
    private StatsCollector() {}

    public static Stats snapshot() {
        long[] ctr = Heaps.counters();
        List<Stats.SizeClass> classes = new ArrayList<>(SizeClasses.COUNT);
        long live = HugeTier.liveBytes();
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            long allocs = ctr[c * 4];
            long frees = ctr[c * 4 + 1];
            classes.add(new Stats.SizeClass(c, SizeClasses.size(c), allocs, frees, ctr[c * 4 + 2], ctr[c * 4 + 3]));
            live += (allocs - frees) * SizeClasses.size(c);
        }
        long[] st = SlabPool.stageHits();
        return new Stats(live, MemoryBudget.mapped(), Os.mmapCalls(), Os.munmapCalls(), Os.madviseCalls(),
                SlabPool.committed(), classes, new Stats.Stages(st[0], st[1], st[2], st[3], st[4]),
                HugeTier.cachedBytes());
    }
}
