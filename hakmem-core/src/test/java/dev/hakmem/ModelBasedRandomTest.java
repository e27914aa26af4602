package dev.hakmem;

import dev.hakmem.testing.BlockPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A seeded random walk of malloc / calloc / realloc / alignedAlloc / free / trim against a model
 * (address -> size, pattern). Every block is filled with its own pattern; the touched block is
 * checked on every operation, a few random blocks after every operation, and every byte of every
 * live block periodically, together with a check that no two live blocks overlap (by usable size).
 *
 * <p>Each seed runs for at most {@link #MAX_OPS} operations or {@link #TIME_BOX_NANOS}, whichever
 * comes first; a failure names the seed, the operation number and the last operations, so it
 * can be replayed (re-run the test with only that seed: the sequence is fully determined by the
 * seed up to the operation that failed).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("restricted") // raw native addresses are what this test is about
class ModelBasedRandomTest {

    static final long KiB = 1024, MiB = 1024 * KiB;
    static final int MAX_OPS = 400_000;
    static final long TIME_BOX_NANOS = TimeUnit.MILLISECONDS.toNanos(3000);
    /**
     * Replay: {@code -Dhakmem.model.seed=S -Dhakmem.model.ops=N} runs seed S for exactly N ops, no time box.
     * {@code -Dhakmem.test.seedOffset=K} adds K to each of the fixed seeds below (other walks; a
     * failure names the seed it ran).
     */
    static final String SEED_PROPERTY = "hakmem.model.seed", OPS_PROPERTY = "hakmem.model.ops";
    static final int MAX_LIVE = 4000;
    static final long MAX_LIVE_BYTES = 160 * MiB;
    static final long MAX_SIZE = 4 * MiB;

    record Block(long size, int off, long align, String origin) {}

    /** The model: live blocks by address, plus an array for picking one at random. */
    static final class Model {
        final Map<Long, Block> blocks = new HashMap<>();
        final Map<Long, Integer> index = new HashMap<>();
        long[] addrs = new long[1024];
        int n;
        long bytes;

        void add(long a, Block b) {
            Block prev = blocks.put(a, b);
            if (prev != null) {
                throw new AssertionError("address 0x" + Long.toHexString(a) + " handed out (" + b.origin
                        + ") while still live as a " + prev.size + "-byte block from " + prev.origin);
            }
            if (n == addrs.length) addrs = Arrays.copyOf(addrs, n * 2);
            index.put(a, n);
            addrs[n++] = a;
            bytes += b.size;
        }

        Block remove(long a) {
            Block b = blocks.remove(a);
            int i = index.remove(a);
            long last = addrs[--n];
            if (i != n) {
                addrs[i] = last;
                index.put(last, i);
            }
            bytes -= b.size;
            return b;
        }

        long pick(SplittableRandom r) {
            return addrs[r.nextInt(n)];
        }
    }

    final class Run {
        final long seed;
        final SplittableRandom r;
        final Model m = new Model();
        final ArrayDeque<String> recent = new ArrayDeque<>();
        final long maxOps, timeBox;
        long op;

        Run(long seed, long maxOps, long timeBox) {
            this.seed = seed;
            this.r = new SplittableRandom(seed);
            this.maxOps = maxOps;
            this.timeBox = timeBox;
        }

        void log(String s) {
            if (recent.size() == 40) recent.removeFirst();
            recent.addLast("#" + op + " " + s);
        }

        long size() {
            int k = r.nextInt(1000);
            if (k < 810) return r.nextLong(1025);                 // 0..1 KiB
            if (k < 985) return 1024 + r.nextLong(63 * KiB + 1);  // 1 KiB..64 KiB
            return 64 * KiB + r.nextLong(MAX_SIZE - 64 * KiB + 1); // rare 64 KiB..4 MiB
        }

        void fill(long a, long size, int off) {
            BlockPattern.fill(a, size, off);
        }

        void check(long a, long size, int off, String what) {
            BlockPattern.verify(a, size, off, what);
        }

        void checkBlock(long a, String what) {
            Block b = m.blocks.get(a);
            check(a, b.size, b.off, what + " (block from " + b.origin + ")");
        }

        void checkZero(long a, long size, String what) {
            MemorySegment s = MemorySegment.ofAddress(a).reinterpret(size);
            long i = 0;
            for (; i + 8 <= size; i += 8) {
                if (s.get(ValueLayout.JAVA_LONG_UNALIGNED, i) != 0) break;
            }
            for (; i < size; i++) {
                if (s.get(ValueLayout.JAVA_BYTE, i) != 0) {
                    throw new AssertionError(what + ": 0x" + Long.toHexString(a) + " not zero at offset " + i);
                }
            }
        }

        void checkNew(long a, long size, long align, String what) {
            if (a == 0) throw new AssertionError(what + " returned 0");
            long minAlign = size >= 16 ? 16 : 8;
            if (a % minAlign != 0) throw new AssertionError(what + " returned misaligned 0x" + Long.toHexString(a));
            if (align > 1 && a % align != 0) {
                throw new AssertionError(what + " returned 0x" + Long.toHexString(a) + ", not " + align + "-aligned");
            }
            long u = Hakmem.usableSize(a);
            if (u < size) throw new AssertionError(what + ": usableSize " + u + " < " + size);
        }

        void checkAll(String when) {
            for (int i = 0; i < m.n; i++) checkBlock(m.addrs[i], "full check " + when);
            long[] a = Arrays.copyOf(m.addrs, m.n);
            Arrays.sort(a);
            for (int i = 1; i < a.length; i++) {
                long end = a[i - 1] + Math.max(1, Hakmem.usableSize(a[i - 1]));
                if (end > a[i]) {
                    throw new AssertionError("overlap " + when + ": 0x" + Long.toHexString(a[i - 1]) + " (usable "
                            + Hakmem.usableSize(a[i - 1]) + ", " + m.blocks.get(a[i - 1]) + ") runs into 0x"
                            + Long.toHexString(a[i]) + " (" + m.blocks.get(a[i]) + ")");
                }
            }
        }

        void doFree(long a) {
            checkBlock(a, "before free");
            log("free(0x" + Long.toHexString(a) + ") " + m.blocks.get(a));
            m.remove(a);
            Hakmem.free(a);
        }

        void step() {
            boolean mustFree = m.n >= MAX_LIVE || m.bytes > MAX_LIVE_BYTES;
            int k = r.nextInt(100);
            if (m.n > 0 && (mustFree || k < 32)) {
                doFree(m.pick(r));
            } else if (k < 62) {
                long size = size();
                log("malloc(" + size + ")");
                long a = Hakmem.malloc(size);
                checkNew(a, size, 1, "malloc(" + size + ")");
                int off = r.nextInt(BlockPattern.SPAN);
                m.add(a, new Block(size, off, 1, "malloc #" + op));
                fill(a, size, off);
            } else if (k < 70) {
                long size = size();
                long count = size == 0 ? r.nextInt(3) : 1 + r.nextLong(Math.min(size, 16));
                long each = count == 0 ? size : size / count;
                long total = count * each;
                log("calloc(" + count + ", " + each + ")");
                long a = Hakmem.calloc(count, each);
                checkNew(a, total, 1, "calloc(" + count + ", " + each + ")");
                checkZero(a, total, "calloc(" + count + ", " + each + ") #" + op);
                int off = r.nextInt(BlockPattern.SPAN);
                m.add(a, new Block(total, off, 1, "calloc #" + op));
                fill(a, total, off);
            } else if (k < 78) {
                int shift = r.nextInt(100) < 95 ? r.nextInt(13) : 13 + r.nextInt(9); // up to 2 MiB
                long align = 1L << shift;
                long size = r.nextInt(4) == 0 ? align + r.nextInt(64) : size();
                if (size > MAX_SIZE) size = MAX_SIZE;
                log("alignedAlloc(" + align + ", " + size + ")");
                long a = Hakmem.alignedAlloc(align, size);
                checkNew(a, size, align, "alignedAlloc(" + align + ", " + size + ")");
                int off = r.nextInt(BlockPattern.SPAN);
                m.add(a, new Block(size, off, align, "alignedAlloc #" + op));
                fill(a, size, off);
            } else if (k < 93) {
                long a = m.n > 0 && r.nextInt(20) != 0 ? m.pick(r) : 0;
                long newSize;
                int kk = r.nextInt(4);
                Block old = a == 0 ? null : m.blocks.get(a);
                if (old != null && kk == 0) {
                    newSize = Math.max(1, old.size + r.nextLong(-Math.min(old.size, 64), 65)); // small change
                } else if (old != null && kk == 1) {
                    newSize = Math.max(1, old.size / (2 + r.nextInt(4))); // shrink
                } else {
                    newSize = Math.max(1, size());
                }
                if (newSize > MAX_SIZE) newSize = MAX_SIZE;
                if (old != null) checkBlock(a, "before realloc");
                log("realloc(0x" + Long.toHexString(a) + ", " + newSize + ") " + old);
                if (old != null) m.remove(a);
                long b = Hakmem.realloc(a, newSize);
                checkNew(b, newSize, 1, "realloc(0x" + Long.toHexString(a) + ", " + newSize + ")");
                if (old != null) {
                    check(b, Math.min(old.size, newSize), old.off,
                            "realloc " + old.size + " -> " + newSize + " (0x" + Long.toHexString(a) + " -> 0x"
                                    + Long.toHexString(b) + ")");
                }
                int off = r.nextInt(BlockPattern.SPAN);
                m.add(b, new Block(newSize, off, 1, "realloc #" + op));
                fill(b, newSize, off);
            } else if (k < 99) {
                // a burst of frees, to empty whole slabs
                int burst = Math.min(m.n, 1 + r.nextInt(200));
                log("free burst of " + burst);
                for (int i = 0; i < burst; i++) doFree(m.pick(r));
            } else if (r.nextInt(20) == 0) {
                log("trim()");
                Hakmem.trim();
                checkAll("after trim at op " + op);
            } else {
                long size = size();
                log("realloc(0, " + size + ")");
                long a = Hakmem.realloc(0, size);
                checkNew(a, size, 1, "realloc(0, " + size + ")");
                int off = r.nextInt(BlockPattern.SPAN);
                m.add(a, new Block(size, off, 1, "realloc(0) #" + op));
                fill(a, size, off);
            }
            // spot checks of a few random live blocks
            for (int i = 0; i < 2 && m.n > 0; i++) checkBlock(m.pick(r), "spot check after op " + op);
        }

        void run() {
            long start = Hakmem.stats().liveBytes();
            long deadline = System.nanoTime() + timeBox;
            try {
                for (op = 0; op < maxOps; op++) {
                    step();
                    if (op % 512 == 511) {
                        checkAll("at op " + op);
                        long live = Hakmem.stats().liveBytes() - start;
                        if (live < m.bytes) {
                            throw new AssertionError("liveBytes rose by " + live + " but " + m.bytes
                                    + " bytes are live in " + m.n + " blocks");
                        }
                        long usable = 0;
                        for (int i = 0; i < m.n; i++) usable += Hakmem.usableSize(m.addrs[i]);
                        if (live != usable) {
                            throw new AssertionError("liveBytes rose by " + live + " but the " + m.n
                                    + " live blocks have " + usable + " usable bytes");
                        }
                        if (System.nanoTime() > deadline) break;
                    }
                }
                checkAll("at the end");
                while (m.n > 0) doFree(m.addrs[m.n - 1]);
            } catch (Throwable e) {
                throw new AssertionError("seed " + seed + " failed at op " + op + " with " + m.n
                        + " live blocks (replay: -D" + SEED_PROPERTY + "=" + seed + " -D" + OPS_PROPERTY + "="
                        + (op + 1) + " -Dtest=ModelBasedRandomTest#replay): " + e + "\nlast operations:\n  " + String.join("\n  ", recent), e);
            }
            assertEquals(start, Hakmem.stats().liveBytes(),
                    "seed " + seed + ": liveBytes after freeing everything (" + op + " ops)");
            System.out.println("ModelBasedRandomTest seed " + seed + ": " + op + " ops");
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1L, 42L, 0xC0FFEEL, 20_240_601L, 0x9E3779B97F4A7C15L})
    void randomWalkAgainstModel(long seed) {
        new Run(seed + ConcurrentStressTest.SEED_OFFSET, MAX_OPS, TIME_BOX_NANOS).run();
    }

    @org.junit.jupiter.api.Test
    @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = SEED_PROPERTY, matches = ".+")
    void replay() {
        long seed = Long.decode(System.getProperty(SEED_PROPERTY));
        long ops = Long.parseLong(System.getProperty(OPS_PROPERTY, Integer.toString(MAX_OPS)));
        new Run(seed, ops, Long.MAX_VALUE / 4).run();
    }
}
