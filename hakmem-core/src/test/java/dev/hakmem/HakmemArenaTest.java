package dev.hakmem;

import dev.hakmem.testing.OtherThread;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * {@link HakmemArena}: segments bound to the arena's scope, errors after close as with the JDK's
 * arenas, confinement, alignment, (no) zeroing, and every block freed on close.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class HakmemArenaTest {

    /** Runs {@code r} on a new thread and returns what it threw, or {@code null}. */
    static Throwable onOtherThread(Runnable r) throws InterruptedException {
        return OtherThread.run(r);
    }

    @Test
    void segmentsAreUsableAndBoundToTheArenaScope() {
        try (HakmemArena arena = HakmemArena.ofConfined()) {
            MemorySegment s = arena.allocate(100);
            assertEquals(100, s.byteSize());
            assertTrue(s.isNative());
            assertEquals(arena.scope(), s.scope());
            assertTrue(s.scope().isAlive());
            assertTrue(s.isAccessibleBy(Thread.currentThread()));
            assertTrue(Hakmem.usableSize(s.address()) >= 100, "a hakmem block");
            for (int i = 0; i < 100; i++) {
                s.set(JAVA_BYTE, i, (byte) i);
            }
            for (int i = 0; i < 100; i++) {
                assertEquals((byte) i, s.get(JAVA_BYTE, i));
            }
            assertThrows(IndexOutOfBoundsException.class, () -> s.get(JAVA_BYTE, 100), "bounded to its size");
            MemorySegment ints = arena.allocate(JAVA_INT, 10);
            assertEquals(40, ints.byteSize());
            assertEquals(0, ints.address() % 4);
            MemorySegment empty = arena.allocate(0);
            assertEquals(0, empty.byteSize());
        }
    }

    @Test
    void accessAfterCloseThrowsLikeJdkArenas() {
        for (HakmemArena arena : List.of(HakmemArena.ofConfined(), HakmemArena.ofShared())) {
            MemorySegment s = arena.allocate(JAVA_LONG);
            MemorySegment big = arena.allocate(1 << 20);
            s.set(JAVA_LONG, 0, 42);
            big.set(JAVA_LONG, (1 << 20) - 8, 7);
            arena.close();
            assertFalse(arena.scope().isAlive());
            assertFalse(s.scope().isAlive());
            assertThrows(IllegalStateException.class, () -> s.get(JAVA_LONG, 0), "read after close");
            assertThrows(IllegalStateException.class, () -> s.set(JAVA_LONG, 0, 1), "write after close");
            assertThrows(IllegalStateException.class, () -> big.fill((byte) 0), "bulk op after close");
            assertThrows(IllegalStateException.class, () -> MemorySegment.copy(s, 0, big, 0, 8));
            assertThrows(IllegalStateException.class, () -> arena.allocate(16), "allocate after close");
            assertThrows(IllegalStateException.class, arena::close, "close twice");
        }
        // the same sequence on a JDK arena, for reference
        Arena jdk = Arena.ofConfined();
        MemorySegment j = jdk.allocate(JAVA_LONG);
        jdk.close();
        assertThrows(IllegalStateException.class, () -> j.get(JAVA_LONG, 0));
        assertThrows(IllegalStateException.class, jdk::close);
    }

    @Test
    void confinedArenaRejectsOtherThreads() throws InterruptedException {
        try (HakmemArena arena = HakmemArena.ofConfined()) {
            MemorySegment s = arena.allocate(64);
            s.set(JAVA_INT, 0, 5);
            assertFalse(s.isAccessibleBy(new Thread(() -> { })));
            long live = Hakmem.stats().liveBytes();
            assertInstanceOf(WrongThreadException.class, onOtherThread(() -> arena.allocate(64)), "allocate");
            assertEquals(live, Hakmem.stats().liveBytes(), "a rejected allocate allocates nothing");
            assertInstanceOf(WrongThreadException.class, onOtherThread(() -> s.get(JAVA_INT, 0)), "read");
            assertInstanceOf(WrongThreadException.class, onOtherThread(() -> s.set(JAVA_INT, 0, 1)), "write");
            assertInstanceOf(WrongThreadException.class, onOtherThread(arena::close), "close");
            // still open and intact for the owner
            assertTrue(arena.scope().isAlive());
            assertEquals(5, s.get(JAVA_INT, 0));
            arena.allocate(64).set(JAVA_INT, 0, 1);
        }
    }

    @Test
    void sharedArenaIsUsableFromManyThreadsAndClosableByAnother() throws Exception {
        long live0 = Hakmem.stats().liveBytes();
        HakmemArena arena = HakmemArena.ofShared();
        int threads = 4;
        int perThread = 2000;
        List<List<MemorySegment>> made = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            made.add(new ArrayList<>());
        }
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread w = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        MemorySegment s = arena.allocate(16 + (i % 200), 8);
                        s.set(JAVA_LONG, 0, ((long) id << 32) | i);
                        made.get(id).add(s);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            w.start();
            workers.add(w);
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        assertNull(failure.get());
        // every segment distinct, intact and readable from this thread
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < perThread; i++) {
                assertEquals(((long) t << 32) | i, made.get(t).get(i).get(JAVA_LONG, 0));
            }
        }
        assertTrue(Hakmem.stats().liveBytes() > live0);
        assertNull(onOtherThread(arena::close), "any thread may close a shared arena");
        assertThrows(IllegalStateException.class, () -> made.get(0).get(0).get(JAVA_LONG, 0));
        assertInstanceOf(IllegalStateException.class, onOtherThread(() -> arena.allocate(8)));
        assertEquals(live0, Hakmem.stats().liveBytes(), "close freed every block");
    }

    @Test
    void sharedArenaAllocationsRacingWithCloseNeitherLeakNorDoubleFree() throws Exception {
        long live0 = Hakmem.stats().liveBytes();
        for (int round = 0; round < 20; round++) {
            HakmemArena arena = HakmemArena.ofShared();
            AtomicReference<Throwable> unexpected = new AtomicReference<>();
            Thread allocator = new Thread(() -> {
                try {
                    while (true) {
                        arena.allocate(48).set(JAVA_BYTE, 0, (byte) 1);
                    }
                } catch (IllegalStateException closed) {
                    // expected once the arena is closed
                } catch (Throwable e) {
                    unexpected.set(e);
                }
            });
            allocator.start();
            Thread.sleep(2);
            arena.close();
            allocator.join();
            assertNull(unexpected.get());
        }
        assertEquals(live0, Hakmem.stats().liveBytes());
    }

    @Test
    void closeFreesEveryBlock() {
        long live0 = Hakmem.stats().liveBytes();
        try (HakmemArena arena = HakmemArena.ofConfined()) {
            for (int i = 0; i < 10_000; i++) {
                arena.allocate(1 + i % 3000);
            }
            arena.allocate(100_000); // a huge block
            assertTrue(Hakmem.stats().liveBytes() > live0);
        }
        assertEquals(live0, Hakmem.stats().liveBytes());
    }

    @Test
    void alignmentIsHonoured() {
        try (HakmemArena arena = HakmemArena.ofConfined()) {
            for (long align = 1; align <= 1 << 16; align <<= 1) {
                for (long size : new long[] {0, 1, 7, 24, 100, 1000, 5000, 40_000}) {
                    MemorySegment s = arena.allocate(size, align);
                    assertEquals(size, s.byteSize());
                    assertEquals(0, s.address() % align, "size " + size + " alignment " + align);
                    if (size > 0) {
                        s.set(JAVA_BYTE, size - 1, (byte) 1);
                    }
                }
            }
            assertThrows(IllegalArgumentException.class, () -> arena.allocate(8, 3));
            assertThrows(IllegalArgumentException.class, () -> arena.allocate(8, 0));
            assertThrows(IllegalArgumentException.class, () -> arena.allocate(-1, 8));
        }
    }

    @Test
    void notZeroedUnlessAsked() {
        long size = 200;
        long first;
        try (HakmemArena arena = HakmemArena.ofConfined()) {
            MemorySegment s = arena.allocate(size);
            s.fill((byte) 0x5A);
            first = s.address();
        }
        try (HakmemArena arena = HakmemArena.ofConfined()) {
            MemorySegment s = arena.allocate(size);
            if (s.address() == first) {
                // the thread cache handed back the same block: its old bytes are still there
                assertEquals((byte) 0x5A, s.get(JAVA_BYTE, 0), "allocate does not zero");
            }
            s.fill((byte) 0x5A);
        }
        try (HakmemArena arena = HakmemArena.ofConfined()) {
            for (long n : new long[] {size, 1, 4096, 100_000}) {
                MemorySegment z = arena.allocateZeroed(n);
                assertEquals(n, z.byteSize());
                assertEquals(-1, z.mismatch(MemorySegment.ofArray(new byte[(int) n])), "zeroed, " + n + " bytes");
            }
            MemorySegment za = arena.allocateZeroed(100, 64);
            assertEquals(0, za.address() % 64);
            assertEquals(-1, za.mismatch(MemorySegment.ofArray(new byte[100])));
        }
    }

    @Test
    void arenaWorksAsAnArena() {
        Arena arena = HakmemArena.ofConfined();
        try (arena) {
            MemorySegment s = arena.allocateFrom("hello");
            assertEquals("hello", s.getString(0));
            assertNotNull(arena.toString());
        }
        assertTrue(arena.toString().contains("closed"));
    }
}
