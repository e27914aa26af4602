package dev.hakmem;

import static dev.hakmem.testing.BlockPattern.hex;
import static dev.hakmem.testing.BlockPattern.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.function.Executable;

/**
 * Shared helpers of the "peer" suites (cases re-expressed from mimalloc, jemalloc and snmalloc
 * tests) and of {@code FuzzTest}: pattern fill and check by address, exact-exception checks, the
 * size-class table as the public {@link Stats} reports it, and a child-JVM runner.
 */
@SuppressWarnings("restricted") // raw native addresses are what these tests are about
final class PeerSupport {
    private PeerSupport() {}

    static final long KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;
    /** The largest size class; above it blocks are direct mappings. */
    static final long MAX_CLASS = 2 * MiB;
    static final long PAGE = 4096;

    /** Writes and reads back every byte of a block (or, above 64 MiB, one byte per 4 KiB page plus both ends). */
    static void touchAll(long address, long size, String what) {
        if (size == 0) return;
        MemorySegment s = seg(address, size);
        long step = size > 64 * MiB ? PAGE : 1;
        for (long i = 0; i < size; i += step) s.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31 + 7));
        s.set(ValueLayout.JAVA_BYTE, size - 1, (byte) 0x5A);
        for (long i = 0; i < size - 1; i += step) {
            if (s.get(ValueLayout.JAVA_BYTE, i) != (byte) (i * 31 + 7)) {
                fail(what + ": byte " + i + " of " + hex(address) + " did not keep what was written");
            }
        }
        assertEquals((byte) 0x5A, s.get(ValueLayout.JAVA_BYTE, size - 1), what + ": last byte");
    }

    /** Block sizes of the size classes, ascending, from the public statistics. */
    static long[] classSizes() {
        List<Stats.SizeClass> cs = Hakmem.stats().sizeClasses();
        long[] r = new long[cs.size()];
        for (int i = 0; i < r.length; i++) r[i] = cs.get(i).blockSize();
        return r;
    }

    /** The usable size hakmem should give a request of {@code size} bytes (normal mode, no alignment). */
    static long expectedUsable(long size, long[] classes) {
        if (size <= MAX_CLASS) {
            for (long c : classes) {
                if (c >= size) return c;
            }
            throw new AssertionError("no class for " + size);
        }
        return Math.max(PAGE, (size + PAGE - 1) & -PAGE);
    }

    /**
     * The alignment every block of {@code size} bytes (no alignment asked) is documented to have:
     * blocks from a size class are aligned to the largest power of two dividing their class size
     * (at most 2 MiB; 8 for the 8-byte class, so every block of 16 bytes or more is 16-aligned),
     * direct mappings to a page.
     */
    static long guaranteedAlignment(long size, long[] classes) {
        if (size > MAX_CLASS) return PAGE;
        return Math.min(MAX_CLASS, Long.lowestOneBit(expectedUsable(size, classes)));
    }

    /** snmalloc's "natural alignment" of a request: the largest power of two dividing it (1 for 0). */
    static long naturalAlignment(long size) {
        return size == 0 ? 1 : Long.lowestOneBit(size);
    }

    /**
     * Runs {@code call}, asserting it throws exactly {@code type} (no subclass), that the message
     * names {@code address} in hex (unless null) and that liveBytes did not change.
     */
    static <T extends Throwable> T expectExactly(Class<T> type, Long address, String what, Executable call) {
        long liveBefore = Hakmem.stats().liveBytes();
        T e = assertThrows(type, call, what + " should throw " + type.getSimpleName());
        assertEquals(type, e.getClass(), what + " threw a subclass: " + e);
        if (address != null) {
            assertNotNull(e.getMessage(), what + ": exception without a message");
            assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains(hex(address)),
                    what + ": message \"" + e.getMessage() + "\" does not name " + hex(address));
        }
        assertEquals(liveBefore, Hakmem.stats().liveBytes(), what + " changed liveBytes");
        return e;
    }
}
