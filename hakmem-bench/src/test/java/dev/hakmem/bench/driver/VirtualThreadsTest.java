package dev.hakmem.bench.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.bench.alloc.Allocator;
import dev.hakmem.bench.alloc.Allocators;
import dev.hakmem.bench.alloc.BlockTable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The multi-threaded drivers on virtual threads (suffix {@code vt}), with tiny parameters on the
 * null and hakmem adapters: they complete, count as on platform threads, and their workers really
 * are virtual threads (and platform ones without the suffix). No timing is asserted.
 */
class VirtualThreadsTest {

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (String allocator : new String[] {"null", "hakmem"}) {
            b.add(Arguments.of(allocator, "larson", "2 0.2 50 200 8 1000", -1L));
            b.add(Arguments.of(allocator, "xmalloc", "1 0.2 64", -1L));
            b.add(Arguments.of(allocator, "xmalloc", "2 0.2 64", -1L));
            b.add(Arguments.of(allocator, "cache-scratch", "2 50 100", 2L * 50 * (100 / 2)));
            b.add(Arguments.of(allocator, "mid-mt", "2 5000 32", 2L * 5000));
            b.add(Arguments.of(allocator, "alloc-test", "2 10000", 2L * 10_000));
        }
        return b.build();
    }

    @ParameterizedTest(name = "{1} [{2} vt] on {0}")
    @MethodSource("cases")
    @Timeout(30)
    void completesOnVirtualThreads(String allocatorName, String driverName, String params, long expectedOps)
            throws InterruptedException {
        Driver driver = Drivers.byName(driverName);
        Params p = driver.complete(Params.parse(params + " vt"));
        assertEquals(ThreadKind.VIRTUAL, p.threads());
        assertTrue(p.toString().endsWith(" vt"), p.toString());
        Spy spy = new Spy(Allocators.create(allocatorName));
        RunResult r = Harness.run(driver, spy, p);
        if (expectedOps >= 0) {
            assertEquals(expectedOps, r.ops(), "ops");
        } else if (driverName.equals("larson")) {
            assertTrue(r.ops() > 0 && r.ops() % (2 * 200) == 0, "larson counts 2 ops per step, whole workers: " + r.ops());
        } else {
            assertTrue(r.ops() > 0 && r.ops() % Xmalloc.BATCH == 0, "xmalloc counts whole batches of frees: " + r.ops());
        }
        assertTrue(r.opsPerSec() > 0 && Double.isFinite(r.opsPerSec()), "ops/s " + r.opsPerSec());
        assertTrue(spy.virtual.get(), "some block was allocated or freed on a virtual thread");
    }

    @Test
    @Timeout(30)
    void withoutTheSuffixWorkersArePlatformThreads() throws InterruptedException {
        for (String d : new String[] {"larson", "cache-scratch"}) {
            Driver driver = Drivers.byName(d);
            Spy spy = new Spy(Allocators.create("null"));
            Params p = driver.complete(Params.parse(d.equals("larson") ? "2 0.1 50 200 8 1000" : "2 20 100"));
            Harness.run(driver, spy, p);
            assertFalse(spy.virtual.get(), d + " ran on platform threads");
        }
    }

    @Test
    void suffixParsing() {
        Params vt = Params.parse("2 1 1000 10000 8 1000 vt");
        assertEquals(ThreadKind.VIRTUAL, vt.threads());
        assertEquals("2 1 1000 10000 8 1000 vt", vt.toString());
        assertEquals("2 1 1000 10000 8 1000", Params.parse("2,1,1000,10000,8,1000,platform").toString());
        assertEquals("2 5 1000 10000 8 1000 vt", Drivers.byName("larson").complete(Params.parse("2 vt")).toString());
        assertEquals("2 1 64 vt", Drivers.byName("xmalloc").complete(Params.parse("2 1 64").withThreads(ThreadKind.VIRTUAL)).toString());
        assertThrows(IllegalArgumentException.class, () -> Drivers.byName("random-mixed").complete(Params.parse("1000 vt")));
        assertThrows(IllegalArgumentException.class, () -> Drivers.byName("tiny-hot").complete(Params.parse("vt")));
        assertThrows(IllegalArgumentException.class, () -> ThreadKind.parse("green"));
        for (Driver d : Drivers.ALL) {
            boolean mt = d.name().equals("larson") || d.name().equals("xmalloc") || d.name().equals("mid-mt")
                    || d.name().equals("cache-scratch") || d.name().equals("alloc-test") || d.name().equals("requests");
            assertEquals(mt, d.multiThreaded(), d.name());
        }
    }

    /** Passes everything through and notes whether any call came from a virtual thread. */
    private static final class Spy implements Allocator {
        final Allocator inner;
        final AtomicBoolean virtual = new AtomicBoolean();

        Spy(Allocator inner) {
            this.inner = inner;
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public boolean distinctBlocks() {
            return inner.distinctBlocks();
        }

        @Override
        public dev.hakmem.bench.alloc.AllocatorCounters counters() {
            return inner.counters();
        }

        @Override
        public BlockTable newTable(int capacity, boolean freedByOtherThreads) {
            BlockTable t = inner.newTable(capacity, freedByOtherThreads);
            return new BlockTable() {
                @Override
                public int capacity() {
                    return t.capacity();
                }

                @Override
                public long allocate(int slot, long size) {
                    note();
                    return t.allocate(slot, size);
                }

                @Override
                public void free(int slot) {
                    note();
                    t.free(slot);
                }

                @Override
                public long address(int slot) {
                    return t.address(slot);
                }
            };
        }

        private void note() {
            if (Thread.currentThread().isVirtual()) {
                virtual.set(true);
            }
        }
    }
}
