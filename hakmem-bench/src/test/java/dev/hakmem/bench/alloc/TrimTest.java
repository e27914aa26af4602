package dev.hakmem.bench.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.Hakmem;
import org.junit.jupiter.api.Test;

/** Each adapter's trim in this (not preloaded) JVM. The peers' trims run in MemoryForkTest's preloaded JVMs. */
class TrimTest {

    @Test
    void glibcTrimIsMallocTrimOfTheCLibrary() {
        Trim t = Allocators.create("glibc").trim().orElseThrow();
        assertEquals("malloc_trim(0)", t.call());
        assertFalse(t.perThread());
        long[] blocks = new long[4096];
        LibcHeap heap = new LibcHeap();
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = heap.malloc(1000);
        }
        for (long b : blocks) {
            heap.free(b);
        }
        t.run();
    }

    @Test
    void hakmemTrimIsPerThread() {
        Trim t = Allocators.create("hakmem").trim().orElseThrow();
        assertEquals("Hakmem.trim()", t.call());
        assertTrue(t.perThread());
        long before = Hakmem.stats().madviseCalls() + Hakmem.stats().munmapCalls();
        long[] blocks = new long[20_000];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = Hakmem.malloc(1000);
        }
        for (long b : blocks) {
            Hakmem.free(b);
        }
        t.run();
        assertTrue(Hakmem.stats().madviseCalls() + Hakmem.stats().munmapCalls() > before, "the trim gave memory back");
    }

    @Test
    void nettyPooledTrimsTheThreadCacheAndAdaptiveHasNone() {
        Trim t = Allocators.create("netty-pooled").trim().orElseThrow();
        assertEquals("PooledByteBufAllocator.trimCurrentThreadCache()", t.call());
        assertTrue(t.perThread());
        t.run();
        assertTrue(Allocators.create("netty-adaptive").trim().isEmpty());
        assertTrue(Allocators.create("null").trim().isEmpty());
        assertTrue(Allocators.create("jdk-arena").trim().isEmpty());
    }

    @Test
    void aPeersTrimNeedsItsLibraryLoaded() {
        for (PeerLibrary peer : PeerLibrary.values()) {
            if (peer.isLoadedHere()) {
                continue;
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> NativeTrims.forAdapter(peer.adapterName()));
            assertTrue(e.getMessage().contains("not found in the process's global scope"), e.getMessage());
        }
    }
}
