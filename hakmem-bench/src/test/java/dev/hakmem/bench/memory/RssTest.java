package dev.hakmem.bench.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Reading /proc/self/status, and the sampler built on it. */
class RssTest {

    private static final String STATUS = """
            Name:\tjava
            Umask:\t0022
            State:\tS (sleeping)
            VmPeak:\t 5123456 kB
            VmSize:\t 5000000 kB
            VmHWM:\t  812345 kB
            VmRSS:\t  765432 kB
            RssAnon:\t  700000 kB
            Threads:\t31
            """;

    @Test
    void parsesRssAndPeak() {
        Rss r = Rss.parse(STATUS);
        assertEquals(765432, r.rssKiB());
        assertEquals(812345, r.peakKiB());
    }

    @Test
    void rejectsTextWithoutTheFields() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Rss.parse("Name:\tjava\nVmHWM:\t 1 kB\n"));
        assertEquals("no VmRSS: line in /proc status", e.getMessage());
        assertThrows(IllegalStateException.class, () -> Rss.parse("VmRSS:\t 12 MB\nVmHWM:\t 1 kB\n"));
        assertThrows(IllegalStateException.class, () -> Rss.parse("VmRSS:\t kB\nVmHWM:\t 1 kB\n"));
    }

    @Test
    void readsThisProcessAndSeesTouchedMemory() {
        Rss before = Rss.now();
        assertTrue(before.rssKiB() > 10_000, "RSS " + before.rssKiB());
        assertTrue(before.peakKiB() >= before.rssKiB());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(64L << 20, 4096);
            m.fill((byte) 1);
            Rss during = Rss.now();
            assertTrue(during.rssKiB() - before.rssKiB() > 48 << 10, before + " -> " + during);
            if (Rss.resetPeak()) {
                long hwm = Rss.now().peakKiB();
                assertTrue(hwm <= during.rssKiB() + 4096, "VmHWM after the reset " + hwm + " vs RSS " + during.rssKiB());
            }
        }
    }

    @Test
    void samplerRecordsLiveAndRssOverTime() throws Exception {
        AtomicLong live = new AtomicLong(7);
        Sampler sampler = new Sampler(5, live::get, System.nanoTime());
        Thread.sleep(60);
        live.set(1234);
        sampler.sample();
        Thread.sleep(30);
        sampler.stop();
        long[][] s = sampler.samples();
        assertTrue(s.length >= 5, "samples " + s.length);
        assertEquals(7, s[0][1]);
        assertEquals(1234, s[s.length - 1][1]);
        long max = 0;
        for (int i = 0; i < s.length; i++) {
            assertTrue(s[i][2] > 0);
            max = Math.max(max, s[i][2]);
            if (i > 0) {
                assertTrue(s[i][0] >= s[i - 1][0], "time goes forward");
            }
        }
        assertEquals(max, sampler.maxRssKiB());
        int n = s.length;
        Thread.sleep(30);
        assertEquals(n, sampler.samples().length, "no samples after stop");
        assertThrows(IllegalArgumentException.class, () -> new Sampler(0, live::get, 0));
    }
}
