package dev.hakmem.bench.alloc;

import java.lang.foreign.Arena;

/**
 * What FFM alone offers for blocks with their own lifetimes: one {@code Arena.ofConfined()} per
 * block, closed on free. A confined arena can only be closed by its owner thread, so tables
 * whose blocks other threads free use {@code Arena.ofShared()} instead (and pay its close).
 */
final class ArenaAllocator implements Allocator {

    @Override
    public String name() {
        return "jdk-arena";
    }

    @Override
    public BlockTable newTable(int capacity, boolean freedByOtherThreads) {
        return new Table(capacity, freedByOtherThreads);
    }

    /** Arenas and the addresses of their one segment. */
    private static final class Table extends AddressSlots {
        private final Arena[] arenas;
        private final boolean shared;

        Table(int capacity, boolean shared) {
            super(capacity);
            this.arenas = new Arena[capacity];
            this.shared = shared;
        }

        @Override
        public long allocate(int slot, long size) {
            Arena arena = shared ? Arena.ofShared() : Arena.ofConfined();
            long address = arena.allocate(size).address();
            arenas[slot] = arena;
            addresses[slot] = address;
            return address;
        }

        @Override
        public void free(int slot) {
            arenas[slot].close();
            arenas[slot] = null;
            addresses[slot] = 0;
        }
    }
}
