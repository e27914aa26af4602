package dev.hakmem.bench.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.bench.alloc.Allocator;
import dev.hakmem.bench.alloc.Allocators;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every driver with tiny parameters on the null, glibc and hakmem adapters: it completes,
 * counts its operations as specified and reports sane figures. No timing is asserted.
 * (The hakmem cases fail while hakmem-core's facade is still a stub.)
 */
class DriversTest {

    /** driver, tiny params, expected ops (-1: time-based, checked separately). */
    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (String allocator : new String[] {"null", "glibc", "hakmem"}) {
            b.add(Arguments.of(allocator, "random-mixed", "20000 64 42 16 1024", 20_000L));
            b.add(Arguments.of(allocator, "random-mixed", "5000 8 7", 5_000L));
            b.add(Arguments.of(allocator, "tiny-hot", "16 10 100", 2L * 10 * 100));
            b.add(Arguments.of(allocator, "mid-mt", "2 5000 32", 2L * 5000));
            b.add(Arguments.of(allocator, "larson", "2 0.2 50 200 8 1000", -1L));
            b.add(Arguments.of(allocator, "xmalloc", "1 0.2 64", -1L));
            b.add(Arguments.of(allocator, "cache-scratch", "2 50 100", 2L * 50 * (100 / 2)));
            b.add(Arguments.of(allocator, "glibc-simple", "16 400000", 5L * 400_000 * 2));
            b.add(Arguments.of(allocator, "glibc-simple", "32 1600", 1250L * 1600 * 2));
            b.add(Arguments.of(allocator, "alloc-test", "1 20000", 20_000L));
            b.add(Arguments.of(allocator, "alloc-test", "2 10000", 2L * 10_000));
            b.add(Arguments.of(allocator, "requests", "8 0.2 4 3 64 4096", -1L));
            b.add(Arguments.of(allocator, "requests", "8 0.2 4 3 64 4096 vt", -1L));
            b.add(Arguments.of(allocator, "large-churn", "2000 16 42", 2_000L));
        }
        return b.build();
    }

    @ParameterizedTest(name = "{1} [{2}] on {0}")
    @MethodSource("cases")
    @Timeout(30)
    void driverCompletesAndCountsOps(String allocatorName, String driverName, String params, long expectedOps)
            throws InterruptedException {
        Driver driver = Drivers.byName(driverName);
        Allocator allocator = Allocators.create(allocatorName);
        RunResult r = Harness.run(driver, allocator, driver.complete(Params.parse(params)));

        if (expectedOps >= 0) {
            assertEquals(expectedOps, r.ops(), "ops");
        } else if (driverName.equals("requests")) {
            assertTrue(r.ops() > 0 && r.ops() % (4 * 3 * 2) == 0, "requests counts whole requests: " + r.ops());
        } else if (driverName.equals("larson")) {
            assertTrue(r.ops() > 0 && r.ops() % (2 * 200) == 0, "larson counts 2 ops per step, whole workers: " + r.ops());
        } else {
            assertTrue(r.ops() > 0 && r.ops() % Xmalloc.BATCH == 0, "xmalloc counts whole batches of frees: " + r.ops());
        }
        assertTrue(r.nanos() > 0, "time");
        assertTrue(r.opsPerSec() > 0 && Double.isFinite(r.opsPerSec()), "ops/s " + r.opsPerSec());
        assertTrue(r.nsPerOp() > 0 && Double.isFinite(r.nsPerOp()), "ns/op " + r.nsPerOp());
        assertTrue(r.rssPeakKiB() >= 0, "RSS peak read from /proc: " + r.rssPeakKiB());
        assertTrue(r.rssEndKiB() != -1 || r.rssPeakKiB() == -1, "RSS end read from /proc");
        if (allocatorName.equals("hakmem")) {
            assertTrue(r.counters() != null && r.counters().mmapCalls() >= 0, "hakmem reports its counters");
        } else {
            assertEquals(null, r.counters(), "only hakmem has counters");
        }
    }
}
