package dev.hakmem.internal.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.testing.ChildJvm;
import java.time.Duration;

/** Runs a child JVM of this package's tests the common way and checks that it ended well. */
final class ChildRuns {
    private ChildRuns() {}

    /**
     * Runs {@code main} with assertions on, {@code jdk.internal.access} exported (carrier heaps) and
     * {@code options}, for at most 120 s; fails unless it exits with 0 and prints {@code marker}.
     */
    static ChildJvm.Result runOk(Class<?> main, String marker, String... options) throws Exception {
        ChildJvm.Result r = ChildJvm.of(main)
                .jvmArgs(options)
                .jvmArgs("-ea", "--add-exports", "java.base/jdk.internal.access=ALL-UNNAMED")
                .timeout(Duration.ofSeconds(120)).run();
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains(marker), r.output());
        return r;
    }
}
