package dev.hakmem;

import dev.hakmem.internal.os.MemoryBudget;
import dev.hakmem.internal.slab.SpanPool;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@link AllocatorMXBean} registered by {@link Observability#init()}: reads {@link Hakmem#stats()} per attribute. */
final class AllocatorBean implements AllocatorMXBean {

    @Override
    public long getLiveBytes() {
        return Hakmem.stats().liveBytes();
    }

    @Override
    public long getMappedBytes() {
        return Hakmem.stats().mappedBytes();
    }

    @Override
    public long getMmapCalls() {
        return Hakmem.stats().mmapCalls();
    }

    @Override
    public long getMunmapCalls() {
        return Hakmem.stats().munmapCalls();
    }

    @Override
    public long getMadviseCalls() {
        return Hakmem.stats().madviseCalls();
    }

    @Override
    public long getPopulateCalls() {
        return Hakmem.stats().populateCalls();
    }

    @Override
    public long getSuperSlabs() {
        return Hakmem.stats().superSlabs();
    }

    @Override
    public long getHeapsBorrowed() {
        return Hakmem.stats().heapsBorrowed();
    }

    @Override
    public long getMaxMemory() {
        return MemoryBudget.MAX == Long.MAX_VALUE ? -1 : MemoryBudget.MAX;
    }

    @Override
    public List<Stats.SizeClass> getSizeClasses() {
        return Hakmem.stats().sizeClasses();
    }

    @Override
    public Map<String, Long> getPoolStageHits() {
        long[] hits = SpanPool.stageHits();
        String[] names = SpanPool.stageNames();
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < hits.length && i < names.length; i++) {
            m.put(names[i], hits[i]);
        }
        return m;
    }

    @Override
    public void trim() {
        Hakmem.trim();
    }
}
