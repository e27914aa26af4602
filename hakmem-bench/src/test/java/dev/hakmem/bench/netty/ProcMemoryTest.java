package dev.hakmem.bench.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Resident memory from /proc/PID/status. */
class ProcMemoryTest {

    @Test
    void parsesRssAndPeak() {
        ProcMemory m = ProcMemory.parse("Name:\tjava\nVmPeak:\t 9000 kB\nVmHWM:\t   365636 kB\nVmRSS:\t   300000 kB\nThreads:\t3\n");
        assertEquals(300000, m.rssKiB());
        assertEquals(365636, m.hwmKiB());
        assertThrows(IllegalArgumentException.class, () -> ProcMemory.parse("Name:\tjava\n"));
    }

    @Test
    void readsThisProcess() throws Exception {
        ProcMemory m = ProcMemory.of(ProcessHandle.current().pid());
        assertTrue(m.rssKiB() > 1024, "a JVM has more than 1 MiB resident: " + m);
        assertTrue(m.hwmKiB() >= m.rssKiB());
    }
}
