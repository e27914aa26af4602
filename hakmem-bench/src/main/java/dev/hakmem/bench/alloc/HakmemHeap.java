package dev.hakmem.bench.alloc;

import dev.hakmem.Hakmem;
import dev.hakmem.Stats;

/** hakmem through its static facade. */
public final class HakmemHeap implements NativeHeap {

    @Override
    public long malloc(long size) {
        return Hakmem.malloc(size);
    }

    @Override
    public void free(long address) {
        Hakmem.free(address);
    }

    /** hakmem's OS counters now. */
    static AllocatorCounters counters() {
        Stats s = Hakmem.stats();
        return new AllocatorCounters(s.mappedBytes(), s.mmapCalls(), s.munmapCalls(), s.madviseCalls());
    }
}
