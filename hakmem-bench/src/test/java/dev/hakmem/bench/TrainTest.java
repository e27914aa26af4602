package dev.hakmem.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.bench.alloc.Allocators;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The AOT training run: the five PGO workloads, each at least one slice, bounded in time. */
class TrainTest {

    @Test
    @Timeout(60)
    void runsTheFiveWorkloads() throws Exception {
        List<String> lines = Train.train(Allocators.create("hakmem"), 0.01);
        assertEquals(5, lines.size());
        assertTrue(lines.get(0).contains("random-mixed") && lines.get(0).contains("128 42 16 1024"), lines.get(0));
        assertTrue(lines.get(1).contains("256 42"), lines.get(1));
        assertTrue(lines.get(2).contains("512 42"), lines.get(2));
        assertTrue(lines.get(3).contains("tiny-hot") && lines.get(3).contains("[16 100"), lines.get(3));
        assertTrue(lines.get(4).contains("[64 100"), lines.get(4));
    }
}
