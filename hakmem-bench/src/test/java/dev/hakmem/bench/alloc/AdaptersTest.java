package dev.hakmem.bench.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.bench.driver.Memory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The block-table contract on every adapter that runs in-process. */
class AdaptersTest {

    @ParameterizedTest
    @ValueSource(strings = {"glibc", "netty-pooled", "netty-adaptive", "jdk-arena", "null", "hakmem"})
    void tableAllocatesWritesAndFrees(String name) {
        Allocator allocator = Allocators.create(name);
        assertEquals(name, allocator.name());
        for (boolean shared : new boolean[] {false, true}) {
            BlockTable table = allocator.newTable(8, shared);
            assertEquals(8, table.capacity());
            for (int i = 0; i < 8; i++) {
                assertEquals(0, table.address(i));
                long size = 16L << i;
                long a = table.allocate(i, size);
                assertNotEquals(0, a);
                assertEquals(a, table.address(i));
                Memory.fill(a, size, (byte) i);
            }
            if (allocator.distinctBlocks()) {
                for (int i = 0; i < 8; i++) {
                    assertEquals(0, Memory.check(table.address(i), 16L << i, (byte) i), "block " + i + " intact");
                }
            }
            table.free(3);
            assertEquals(0, table.address(3));
            table.freeAll();
            for (int i = 0; i < 8; i++) {
                assertEquals(0, table.address(i));
            }
        }
    }

    @Test
    void glibcResolvesToTheCLibrary() {
        assertTrue(ProcMaps.isLibrary(LibcHeap.mallocLibrary(), "libc.so.6") || LibcHeap.mallocLibrary().equals("?"),
                LibcHeap.mallocLibrary());
    }

    @Test
    void peersRefuseToRunWithoutPreload() {
        for (PeerLibrary peer : PeerLibrary.values()) {
            if (!peer.isLoadedHere()) {
                assertThrows(IllegalStateException.class, () -> Allocators.create(peer.adapterName()));
            }
        }
        assertTrue(ProcMaps.isLibrary("/usr/lib/x86_64-linux-gnu/libmimalloc.so.2.0", "libmimalloc.so.2"));
        assertTrue(!ProcMaps.isLibrary("/usr/lib/x86_64-linux-gnu/libmimalloc.so.20", "libmimalloc.so.2"));
        assertThrows(IllegalArgumentException.class, () -> Allocators.create("nope"));
    }
}
