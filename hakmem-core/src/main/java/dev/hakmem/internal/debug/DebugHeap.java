package dev.hakmem.internal.debug;

import dev.hakmem.internal.config.Config;
import dev.hakmem.internal.os.Os;
import dev.hakmem.internal.slab.Front;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Debug mode ({@code hakmem.debug=true} / {@code HAKMEM_DEBUG=1}): a slower layer in front of
 * the allocator that catches what the default checks cannot.
 *
 * <pre>
 * block as the user sees it        canary, checked on free and realloc
 * | requested bytes (0xA5 when new) | 16 bytes 0xCA ... |  rest of the class block
 * after free: every byte 0xDD, held in the {@link Quarantine} before the allocator may reuse it
 * </pre>
 *
 * Every live block is recorded with its requested size, allocating thread and allocation site
 * (stack frames outside hakmem), for {@code liveBlocks()} and the leak report.
 */
public final class DebugHeap {
    private DebugHeap() {}

    public static final boolean ENABLED = Config.flag("debug", false);
    static final boolean LEAK_REPORT_AT_EXIT = Config.flag("debug.leakReportAtExit", false);
    static final int CANARY = 16;
    private static final MemorySegment ALL = Os.ALL;
    private static final StackWalker WALKER = StackWalker.getInstance();

    /** A live block as recorded in debug mode. */
    public record Block(long address, long size, String thread, List<StackTraceElement> site) {}

    private static final Map<Long, Block> LIVE = new ConcurrentHashMap<>();

    static {
        if (ENABLED && LEAK_REPORT_AT_EXIT) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.print(report()), "hakmem-leak-report"));
        }
    }

    // ------------------------------------------------------------------ allocation

    public static long malloc(long size) {
        checkSize(size);
        return record(Front.malloc(size + CANARY), size, false);
    }

    public static long calloc(long n) {
        checkSize(n);
        return record(Front.malloc(n + CANARY), n, true);
    }

    public static long alignedAlloc(long alignment, long size) {
        checkSize(size);
        return record(Front.alignedAlloc(alignment, size + CANARY), size, false);
    }

    private static void checkSize(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("hakmem: negative size " + size);
        }
        if (size > Long.MAX_VALUE - CANARY) {
            throw new OutOfMemoryError("hakmem: cannot allocate " + size + " bytes");
        }
    }

    private static long record(long a, long size, boolean zero) {
        Patterns.fill(a, size, zero ? 0 : Patterns.NEW);
        Patterns.fill(a + size, CANARY, Patterns.GUARD);
        List<StackTraceElement> site = WALKER.walk(frames -> frames
                .filter(f -> !f.getClassName().startsWith("dev.hakmem.internal.") && !f.getClassName().equals("dev.hakmem.Hakmem"))
                .limit(12).map(StackWalker.StackFrame::toStackTraceElement).toList());
        LIVE.put(a, new Block(a, size, Thread.currentThread().getName(), site));
        Quarantine.forget(a);
        return a;
    }

    // ------------------------------------------------------------------ free

    public static void free(long a) {
        if (a == 0) {
            return;
        }
        take(a, "free");
        quarantine(a);
    }

    /** Removes the live record of {@code a} after checking its canary; throws like the normal checks otherwise. */
    private static Block take(long a, String op) {
        Block b = LIVE.remove(a);
        if (b == null) {
            if (Quarantine.contains(a)) {
                throw new IllegalStateException("hakmem: " + op + "(0x" + Long.toHexString(a)
                        + "): block is already free (in the debug quarantine; double free?)");
            }
            Front.usableSize(a, op);  // throws the precise exception for an unknown, interior or free address
            throw new IllegalArgumentException("hakmem: " + op + "(0x" + Long.toHexString(a)
                    + "): not a block handed out in debug mode");
        }
        long bad = Patterns.firstNot(a + b.size, CANARY, Patterns.GUARD);
        if (bad >= 0) {
            LIVE.put(a, b);
            throw new IllegalStateException("hakmem: " + op + "(0x" + Long.toHexString(a) + "): buffer overflow: byte "
                    + (b.size + bad) + " of the " + b.size + "-byte block at 0x" + Long.toHexString(a)
                    + " (in the canary after it) was overwritten; allocated by " + b.thread + " at " + site(b));
        }
        return b;
    }

    private static void quarantine(long a) {
        long usable = Front.usableSize(a, "free");
        Patterns.fill(a, usable, Patterns.FREED);
        Quarantine.add(a, usable);
    }

    // ------------------------------------------------------------------ queries

    public static long usableSize(long a) {
        Block b = LIVE.get(a);
        if (b == null) {
            take(a, "usableSize");  // throws
        }
        return b.size;
    }

    public static long realloc(long a, long size) {
        if (a == 0) {
            return malloc(size);
        }
        checkSize(size);
        Block b = take(a, "realloc");
        long n;
        try {
            n = malloc(size);
        } catch (RuntimeException | OutOfMemoryError e) {
            LIVE.put(a, b);
            throw e;
        }
        MemorySegment.copy(ALL, a, ALL, n, Math.min(b.size, size));
        quarantine(a);
        return n;
    }

    /** Live blocks with their allocation sites. */
    public static List<Block> liveBlocks() {
        return new ArrayList<>(LIVE.values());
    }

    /** Empties the quarantine (trim), checking every block in it. */
    public static void drainQuarantine() {
        Quarantine.drain();
    }

    /** The leak report: every live block, its size, thread and allocation site. */
    public static String report() {
        List<Block> blocks = liveBlocks();
        StringBuilder sb = new StringBuilder("hakmem debug: " + blocks.size() + " live block(s)\n");
        for (Block b : blocks) {
            sb.append("  0x").append(Long.toHexString(b.address)).append(": ").append(b.size).append(" bytes, thread ")
                    .append(b.thread).append('\n');
            for (StackTraceElement f : b.site) {
                sb.append("      at ").append(f).append('\n');
            }
        }
        return sb.toString();
    }

    private static String site(Block b) {
        return b.site.isEmpty() ? "?" : b.site.getFirst().toString();
    }
}
