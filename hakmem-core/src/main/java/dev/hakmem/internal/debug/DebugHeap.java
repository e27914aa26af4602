package dev.hakmem.internal.debug;

import dev.hakmem.internal.Config;
import dev.hakmem.internal.front.Front;
import dev.hakmem.internal.os.Os;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Debug mode ({@code hakmem.debug=true} / {@code HAKMEM_DEBUG=1}): a slower layer in front of
 * the allocator that catches what the default checks cannot.
 *
 * <pre>
 * block as the user sees it        canary, checked on free and realloc
 * | requested bytes (0xA5 when new) | 16 bytes 0xCA ... |  rest of the class block
 * after free: every byte 0xDD, held in a FIFO quarantine (hakmem.debug.quarantine blocks,
 * default 1024) before the allocator may reuse it; leaving the quarantine, the block must still
 * be all 0xDD, else a write after free happened.
 * </pre>
 *
 * Every live block is recorded with its requested size, allocating thread and allocation site
 * (stack frames outside hakmem), for {@code liveBlocks()} and the leak report.
 */
public final class DebugHeap {
    private DebugHeap() {}

    public static final boolean ENABLED = Config.flag("debug", false);
    static final int QUARANTINE = Math.max(0, Config.integer("debug.quarantine", 1024));
    static final boolean LEAK_REPORT_AT_EXIT = Config.flag("debug.leakReportAtExit", false);
    static final int CANARY = 16;
    static final byte NEW = (byte) 0xA5;
    static final byte FREED = (byte) 0xDD;
    static final byte GUARD = (byte) 0xCA;
    private static final MemorySegment ALL = Os.ALL;
    private static final StackWalker WALKER = StackWalker.getInstance();

    /** A live block as recorded in debug mode. */
    public record Block(long address, long size, String thread, List<StackTraceElement> site) {}

    private static final Map<Long, Block> LIVE = new ConcurrentHashMap<>();
    /** Guarded by itself; QUARANTINED mirrors its addresses. */
    private static final ArrayDeque<long[]> QUEUE = new ArrayDeque<>();
    private static final Set<Long> QUARANTINED = new HashSet<>();

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
        fill(a, size, zero ? 0 : NEW);
        fill(a + size, CANARY, GUARD);
        List<StackTraceElement> site = WALKER.walk(frames -> frames
                .filter(f -> !f.getClassName().startsWith("dev.hakmem.internal.") && !f.getClassName().equals("dev.hakmem.Hakmem"))
                .limit(12).map(StackWalker.StackFrame::toStackTraceElement).toList());
        LIVE.put(a, new Block(a, size, Thread.currentThread().getName(), site));
        synchronized (QUEUE) {
            QUARANTINED.remove(a);
        }
        return a;
    }

    // ------------------------------------------------------------------ free

    public static void free(long a) {
        if (a == 0) {
            return;
        }
        Block b = take(a, "free");
        quarantine(a, b);
    }

    /** Removes the live record of {@code a} after checking its canary; throws like the normal checks otherwise. */
    private static Block take(long a, String op) {
        Block b = LIVE.remove(a);
        if (b == null) {
            synchronized (QUEUE) {
                if (QUARANTINED.contains(a)) {
                    throw new IllegalStateException("hakmem: " + op + "(0x" + Long.toHexString(a)
                            + "): block is already free (in the debug quarantine; double free?)");
                }
            }
            Front.usableSize(a, op);  // throws the precise exception for an unknown, interior or free address
            throw new IllegalArgumentException("hakmem: " + op + "(0x" + Long.toHexString(a)
                    + "): not a block handed out in debug mode");
        }
        long bad = firstNot(a + b.size, CANARY, GUARD);
        if (bad >= 0) {
            LIVE.put(a, b);
            throw new IllegalStateException("hakmem: " + op + "(0x" + Long.toHexString(a) + "): buffer overflow: byte "
                    + (b.size + bad) + " of the " + b.size + "-byte block at 0x" + Long.toHexString(a)
                    + " (in the canary after it) was overwritten; allocated by " + b.thread + " at " + site(b));
        }
        return b;
    }

    private static void quarantine(long a, Block b) {
        long usable = Front.usableSize(a, "free");
        fill(a, usable, FREED);
        if (QUARANTINE == 0) {
            Front.free(a);
            return;
        }
        long[] evicted = null;
        synchronized (QUEUE) {
            QUEUE.addLast(new long[] {a, usable});
            QUARANTINED.add(a);
            if (QUEUE.size() > QUARANTINE) {
                evicted = QUEUE.pollFirst();
                QUARANTINED.remove(evicted[0]);
            }
        }
        if (evicted != null) {
            release(evicted[0], evicted[1]);
        }
    }

    /** Frees a block leaving the quarantine, after checking nobody wrote to it while it was free. */
    private static void release(long a, long usable) {
        long bad = firstNot(a, usable, FREED);
        Front.free(a);
        if (bad >= 0) {
            throw new IllegalStateException("hakmem: use after free: byte " + bad + " of the freed block at 0x"
                    + Long.toHexString(a) + " (" + usable + " usable bytes) was written after it was freed");
        }
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
        quarantine(a, b);
        return n;
    }

    /** Live blocks with their allocation sites. */
    public static List<Block> liveBlocks() {
        return new ArrayList<>(LIVE.values());
    }

    /** Empties the quarantine (trim), checking every block in it. */
    public static void drainQuarantine() {
        while (true) {
            long[] e;
            synchronized (QUEUE) {
                e = QUEUE.pollFirst();
                if (e == null) {
                    return;
                }
                QUARANTINED.remove(e[0]);
            }
            release(e[0], e[1]);
        }
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

    private static void fill(long a, long n, byte v) {
        if (n > 0) {
            ALL.asSlice(a, n).fill(v);
        }
    }

    /** Offset of the first byte in {@code [a, a+n)} that is not {@code v}, or -1. */
    private static long firstNot(long a, long n, byte v) {
        MemorySegment s = ALL.asSlice(a, n);
        long i = 0;
        long pattern = (v & 0xFFL) * 0x0101010101010101L;
        for (; i + 8 <= n; i += 8) {
            if (s.get(ValueLayout.JAVA_LONG_UNALIGNED, i) != pattern) {
                break;
            }
        }
        for (; i < n; i++) {
            if (s.get(ValueLayout.JAVA_BYTE, i) != v) {
                return i;
            }
        }
        return -1;
    }
}
