package dev.hakmem;

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
    static final int PATTERN_SPAN = 1 << 16;
    /** Random bytes; a block is filled with the pattern from some offset on. */
    static final MemorySegment PATTERN;

    static {
        byte[] p = new byte[(int) (16 * MiB + PATTERN_SPAN)];
        new Random(0x5EED_9EE2L).nextBytes(p);
        PATTERN = MemorySegment.ofArray(p);
    }

    static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }

    static MemorySegment seg(long address, long size) {
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    /** A pattern offset derived from any number. */
    static int off(long i) {
        return (int) (((i + 1) * 0x9E3779B97F4A7C15L >>> 40) % PATTERN_SPAN);
    }

    /** Fills {@code size} bytes at {@code address} with the pattern from {@code off} (sizes up to 16 MiB). */
    static void fill(long address, long size, int off) {
        if (size > 0) MemorySegment.copy(PATTERN, off, seg(address, size), 0, size);
    }

    /** Checks what {@link #fill} wrote; names the first differing offset. */
    static void verify(long address, long size, int off, String what) {
        if (size <= 0) return;
        long m = MemorySegment.mismatch(seg(address, size), 0, size, PATTERN, off, off + size);
        if (m != -1) {
            fail(what + ": block " + hex(address) + " of " + size + " bytes differs from its pattern at offset " + m
                    + " (0x" + Integer.toHexString(seg(address, size).get(ValueLayout.JAVA_BYTE, m) & 0xff) + ")");
        }
    }

    /** Whether every one of {@code size} bytes at {@code address} is {@code b}; returns the first other offset or -1. */
    static long firstNot(long address, long size, byte b) {
        MemorySegment s = seg(address, size);
        for (long i = 0; i < size; i++) {
            if (s.get(ValueLayout.JAVA_BYTE, i) != b) return i;
        }
        return -1;
    }

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

    // ------------------------------------------------------------------ child JVMs

    record ChildResult(int exit, String output) {}

    /**
     * Runs {@code main} in a fresh JVM with the test class path and {@code jvmArgs} (and the
     * extra environment {@code env}); stdout and stderr are merged. Exit -1 means it hung (killed
     * after 90 s).
     */
    static ChildResult runChild(Class<?> main, List<String> jvmArgs, Map<String, String> env, String... args)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Xmx256m");
        cmd.add("-XX:TieredStopAtLevel=1"); // short-lived: start fast
        cmd.add("-Xshare:auto");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("HAKMEM_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        // read on another thread so a hung child cannot block us past the timeout
        var out = new java.io.ByteArrayOutputStream();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try {
                p.getInputStream().transferTo(out);
            } catch (java.io.IOException ignored) {
                // the child died
            }
        });
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            reader.join(5000);
            return new ChildResult(-1, out.toString());
        }
        reader.join(10_000);
        return new ChildResult(p.exitValue(), out.toString());
    }
}
