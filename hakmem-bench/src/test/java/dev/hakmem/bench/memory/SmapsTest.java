package dev.hakmem.bench.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Reading /proc/self/smaps and naming the mappings whose resident memory changed. */
class SmapsTest {

    private static final String BEFORE = """
            55d0c4a00000-55d0c4c00000 rw-p 00000000 00:00 0                          [heap]
            Size:               2048 kB
            Rss:                 512 kB
            Pss:                 512 kB
            7f071c000000-7f071cba3000 rw-p 00000000 00:00 0
            Size:              11916 kB
            Rss:                 100 kB
            7f0730000000-7f0730220000 rw-p 00000000 00:00 0
            Rss:                2000 kB
            7f0740000000-7f0740001000 r-xp 00000000 08:01 1234                       /usr/lib/x86_64-linux-gnu/libc.so.6
            Rss:                   4 kB
            """;

    private static final String AFTER = """
            55d0c4a00000-55d0c4c00000 rw-p 00000000 00:00 0                          [heap]
            Rss:                 940 kB
            7f071c000000-7f071cba3000 rw-p 00000000 00:00 0
            Rss:                9788 kB
            7f0740000000-7f0740001000 r-xp 00000000 08:01 1234                       /usr/lib/x86_64-linux-gnu/libc.so.6
            Rss:                   4 kB
            """;

    @Test
    void parsesMappingsNamesAndResidentKiB() {
        Smaps s = Smaps.parse(BEFORE);
        assertEquals(4, s.regions().size());
        Smaps.Region heap = s.regions().get(0);
        assertEquals(0x55d0c4a00000L, heap.start());
        assertEquals(0x55d0c4c00000L, heap.end());
        assertEquals("[heap]", heap.name());
        assertEquals(512, heap.rssKiB());
        assertEquals("[anon]", s.regions().get(1).name());
        assertEquals(100, s.regions().get(1).rssKiB());
        assertEquals("/usr/lib/x86_64-linux-gnu/libc.so.6", s.regions().get(3).name());
    }

    @Test
    void changesAreListedLargestFirstWithTotalsPerName() {
        String text = Smaps.parse(AFTER).changesSince(Smaps.parse(BEFORE), 8);
        // [anon]: +9688 in one arena, -2000 for the mapping that is gone; [heap]: +428; libc unchanged
        assertTrue(text.startsWith("resident KiB per name: [anon] +7688 [heap] +428"), text);
        String[] lines = text.split("\n");
        assertEquals(4, lines.length, text);
        assertTrue(lines[1].contains("+9688 KiB  7f071c000000-7f071cba3000 (11916 KiB) [anon]"), lines[1]);
        assertTrue(lines[2].contains("-2000 KiB  7f0730000000-7f0730220000 (2176 KiB) [anon] (gone)"), lines[2]);
        assertTrue(lines[3].contains("+428 KiB"), lines[3]);
        assertEquals(2, Smaps.parse(AFTER).changesSince(Smaps.parse(BEFORE), 1).split("\n").length);
    }

    @Test
    void seesThisProcessTouchingMemory() {
        Smaps before = Smaps.now();
        assertNotNull(before, "/proc/self/smaps is readable on Linux");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(16 << 20, 4096);
            for (long o = 0; o < m.byteSize(); o += 4096) {
                m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, o, (byte) 1);
            }
            Smaps after = Smaps.now();
            long grown = 0;
            for (Smaps.Region r : after.regions()) {
                if (Long.compareUnsigned(r.start(), m.address()) <= 0 && Long.compareUnsigned(m.address(), r.end()) < 0) {
                    grown = r.rssKiB();
                }
            }
            assertTrue(grown >= 16 << 10, "the mapping of 16 MiB just touched is resident: " + grown + " KiB");
            assertTrue(after.changesSince(before, 3).contains("KiB"), after.changesSince(before, 3));
        }
    }
}
