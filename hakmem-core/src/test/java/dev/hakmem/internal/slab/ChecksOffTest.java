package dev.hakmem.internal.slab;


import org.junit.jupiter.api.Test;

/**
 * The allocator with its checks off ({@code hakmem.checks=off}, a documented setting): the same
 * model-based churn as with them on, in a child JVM (the setting is read once per JVM).
 */
class ChecksOffTest {

    @Test
    void allocatesAndFreesCorrectlyWithTheChecksOff() throws Exception {
        ChildRuns.runOk(ChecksOffChild.class, "OK", "-Dhakmem.checks=off");
    }
}
