package dev.hakmem.internal.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.testing.ChildJvm;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The allocator with its checks off ({@code hakmem.checks=off}, a documented setting): the same
 * model-based churn as with them on, in a child JVM (the setting is read once per JVM).
 */
class ChecksOffTest {

    @Test
    void allocatesAndFreesCorrectlyWithTheChecksOff() throws Exception {
        ChildJvm.Result r = ChildJvm.of(ChecksOffChild.class)
                .jvmArgs("-Dhakmem.checks=off", "-ea", "--add-exports", "java.base/jdk.internal.access=ALL-UNNAMED")
                .timeout(Duration.ofSeconds(120)).run();
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("OK"), r.output());
    }
}
