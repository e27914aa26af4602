package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.Stats;
import dev.hakmem.internal.os.Os;
import dev.hakmem.internal.os.Reservation;
import dev.hakmem.testing.ProcFs;

import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/** Child-JVM workloads for {@link MemoryTest}; each prints {@code key=value} lines. */
public final class MemoryChild {
    private MemoryChild() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "decay" -> decay();
            case "ratio" -> ratio();
            case "limit" -> limit();
            case "prefault" -> prefault();
            case "refill-purged" -> refillPurged();
            case "large-fill" -> largeFill();
            case "shadow-pairs" -> shadowPairs();
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static void touch(long a, long n) {
        for (long o = 0; o < n; o += 4096) {
            Os.ALL.set(ValueLayout.JAVA_BYTE, a + o, (byte) 1);
        }
        Os.ALL.set(ValueLayout.JAVA_BYTE, a + n - 1, (byte) 1);
    }

    /** Resident KiB of hakmem's own long-lived mappings: the SuperSlab reservation and the shadow bitmaps. */
    private static long ownResidentKib() throws Exception {
        return ProcFs.residentKib(Reservation.BASE, Reservation.BASE + Reservation.SIZE)
                + ProcFs.residentKib(Shadow.SHADOW, Shadow.SHADOW + (Reservation.SIZE >>> 5));
    }

    /**
     * Allocate ~3.6 GiB of mixed sizes (every page touched), free everything, wait 3 s without calls.
     * Three passes at a tenth of the volume come first (enough loop iterations for the JIT's
     * optimizing compiler), then 3 s without calls (the decay thread's sweeps run and compile),
     * trim and a collection, so that the JIT has compiled what the run executes and the JVM has
     * trimmed its compiler arenas before the baseline: the figure is then the allocator's, not
     * 5-10 MiB of the JVM's own native memory that a compilation in the middle of the run left
     * behind (the JVM keeps a compilation's arena chunks for up to 5 s before it frees them). The
     * parent fixes and pre-touches the Java heap, so that young-generation regions the run fills
     * are not in the figure either. (hakmem's own resident memory is checked absolutely, not
     * against the baseline: {@code ownAfterKiB}; {@code grown} names the mappings that grew.)
     */
    private static void decay() throws Exception {
        long[] blocks = new long[200_000];
        long[] warm = new long[20_000];
        for (int pass = 0; pass < 3; pass++) {
            mixed(warm, new SplittableRandom(41 + pass));
            freeAll(warm);
        }
        Thread.sleep(3000);
        Hakmem.trim();
        System.gc();
        Thread.sleep(1200); // two of the JVM's native-heap trims (-XX:TrimNativeHeapInterval=500)
        var baseMaps = ProcFs.residentByMapping();
        long base = ProcFs.rssKib();
        long bytes = mixed(blocks, new SplittableRandom(42));
        long peak = ProcFs.rssKib();
        freeAll(blocks);
        long freedAt = ProcFs.rssKib();
        Thread.sleep(3000);
        long after = ProcFs.rssKib();
        long own = ownResidentKib();
        var grown = ProcFs.grownMost(baseMaps, ProcFs.residentByMapping(), 4);
        Stats s = Hakmem.stats();
        System.out.println("liveMiB=" + (bytes >> 20));
        System.out.println("baseKiB=" + base);
        System.out.println("peakKiB=" + peak);
        System.out.println("freedKiB=" + freedAt);
        System.out.println("afterKiB=" + after);
        System.out.println("ownAfterKiB=" + own);
        System.out.println("madvise=" + s.madviseCalls());
        System.out.println("stats=" + s.mappedBytes() + " mapped, " + s.liveBytes() + " live");
        System.out.println("grown=" + String.join(" | ", grown));
    }

    /** Fills {@code blocks} with mixed sizes (every page touched): 80 % tiny, 10 % mid, 10 % large, some huge; returns the bytes. */
    private static long mixed(long[] blocks, SplittableRandom r) {
        long bytes = 0;
        for (int i = 0; i < blocks.length; i++) {
            long size = switch (i % 10) {
                case 0 -> 1024 + r.nextInt(31 * 1024);        // mid
                case 1 -> (i % 1000 == 1) ? 3L << 20 : 40_000 + r.nextInt(200_000); // large, some huge
                default -> 16 + r.nextInt(1009);             // tiny
            };
            blocks[i] = Hakmem.malloc(size);
            touch(blocks[i], size);
            bytes += size;
        }
        return bytes;
    }

    private static void freeAll(long[] blocks) {
        for (long a : blocks) {
            Hakmem.free(a);
        }
    }

    /**
     * Fill ~256 MiB with random sizes 16 B - 4 KiB (every byte written), free a random half,
     * refill to the same live volume with new random sizes, free a half again, refill again;
     * report peak RSS and peak requested live bytes.
     */
    private static void ratio() throws Exception {
        Hakmem.free(Hakmem.malloc(16));
        System.gc();
        Thread.sleep(200);
        long base = ProcFs.rssKib();
        SplittableRandom r = new SplittableRandom(7);
        int n = 120_000;
        long[] addr = new long[n];
        long[] size = new long[n];
        long live = 0;
        long peakLive = 0;
        long peakRss = 0;
        for (int i = 0; i < n; i++) {
            size[i] = 16 + r.nextInt(4081);
            addr[i] = Hakmem.malloc(size[i]);
            Os.ALL.asSlice(addr[i], size[i]).fill((byte) i);
            live += size[i];
        }
        peakLive = live;
        peakRss = ProcFs.rssKib() - base;
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < n; i++) {
                if (r.nextBoolean()) {
                    Hakmem.free(addr[i]);
                    live -= size[i];
                    addr[i] = 0;
                }
            }
            for (int i = 0; i < n; i++) {
                if (addr[i] == 0) {
                    size[i] = 16 + r.nextInt(4081);
                    addr[i] = Hakmem.malloc(size[i]);
                    Os.ALL.asSlice(addr[i], size[i]).fill((byte) i);
                    live += size[i];
                }
            }
            peakLive = Math.max(peakLive, live);
            peakRss = Math.max(peakRss, ProcFs.rssKib() - base);
        }
        System.out.println("peakLiveKiB=" + (peakLive >> 10));
        System.out.println("peakRssKiB=" + peakRss);
        System.out.printf("ratio=%.3f%n", peakRss / (double) (peakLive >> 10));
    }

    /**
     * New spans of a small class in steady use are faulted in at once (hakmem.prefault), a heap's
     * first span of a class and spans of blocks above a page that the user did not write all over
     * are not. Nothing is written into the 64-byte and 8 KiB blocks, so every resident page of
     * their spans is one hakmem populated; 12 KiB blocks are written on every page (their later
     * spans are prefaulted), 20 KiB blocks on their first page only (theirs are not).
     */
    private static void prefault() throws Exception {
        long p0 = Os.populateCalls();
        long[] small = new long[4 * 1024 + 1]; // 64-byte blocks: 1,024 per 64 KiB span
        small[0] = Hakmem.malloc(64);
        long firstSpan = small[0] & -SizeClasses.SLAB_SIZE;
        System.out.println("firstSpanPopulates=" + (Os.populateCalls() - p0));
        for (int i = 1; i < small.length; i++) {
            small[i] = Hakmem.malloc(64);
        }
        long lastSpan = small[small.length - 1] & -SizeClasses.SLAB_SIZE;
        System.out.println("smallPopulates=" + (Os.populateCalls() - p0));
        System.out.println("firstSpanResidentPages=" + ProcFs.residentPages(firstSpan, firstSpan + SizeClasses.SLAB_SIZE));
        System.out.println("lastSpanResidentPages=" + ProcFs.residentPages(lastSpan, lastSpan + SizeClasses.SLAB_SIZE));
        System.out.println("spanPages=" + (SizeClasses.SLAB_SIZE >>> 12));
        long p1 = Os.populateCalls();
        long[] large = new long[64]; // 8 KiB blocks: 8 per span
        for (int i = 0; i < large.length; i++) {
            large[i] = Hakmem.malloc(8192);
        }
        System.out.println("largePopulates=" + (Os.populateCalls() - p1));
        System.out.println("statsPopulates=" + Hakmem.stats().populateCalls());
        long p2 = Os.populateCalls();
        long[] written = new long[16 * 5]; // 12 KiB blocks: 16 per span of 192 KiB
        for (int i = 0; i < written.length; i++) {
            written[i] = Hakmem.malloc(12 << 10);
            touch(written[i], 12 << 10);
        }
        System.out.println("writtenPopulates=" + (Os.populateCalls() - p2));
        long p3 = Os.populateCalls();
        long[] partly = new long[8 * SizeClasses.blocksPerSpan(SizeClasses.classOfAny(20 << 10))];
        for (int i = 0; i < partly.length; i++) {
            partly[i] = Hakmem.malloc(20 << 10);
            Os.ALL.set(ValueLayout.JAVA_BYTE, partly[i], (byte) 1);
        }
        System.out.println("partlyWrittenPopulates=" + (Os.populateCalls() - p3));
        freeAll(written);
        freeAll(partly);
        freeAll(small);
        freeAll(large);
        System.out.println("done=true");
    }

    /**
     * Pages a sweep purged inside a span in use are populated when a refill takes blocks there
     * again (hakmem.prefault): three spans of 256-byte blocks, every block of the first span but
     * the one at its start freed, trim() (the sweep purges the span's 15 free pages), then 255
     * blocks allocated again and not written: they are the first span's free blocks, and its pages
     * are resident or not by hakmem's doing alone.
     */
    private static void refillPurged() throws Exception {
        int perSpan = SizeClasses.blocksPerSpan(SizeClasses.classOfAny(256));
        long[] blocks = new long[3 * perSpan];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = Hakmem.malloc(256);
            Os.ALL.set(ValueLayout.JAVA_BYTE, blocks[i], (byte) 1);
        }
        long span = blocks[0] & -SizeClasses.SLAB_SIZE;
        for (int i = 0; i < blocks.length; i++) {
            if (blocks[i] > span && blocks[i] < span + SizeClasses.SLAB_SIZE) {
                Hakmem.free(blocks[i]);
                blocks[i] = 0;
            }
        }
        Hakmem.trim();
        System.out.println("spanPages=" + (SizeClasses.SLAB_SIZE >>> 12));
        System.out.println("residentAfterTrim=" + ProcFs.residentPages(span, span + SizeClasses.SLAB_SIZE));
        long p = Os.populateCalls();
        long[] again = new long[perSpan - 1];
        int inSpan = 0;
        for (int i = 0; i < again.length; i++) {
            again[i] = Hakmem.malloc(256);
            if (again[i] >= span && again[i] < span + SizeClasses.SLAB_SIZE) {
                inSpan++;
            }
        }
        System.out.println("takenFromSpan=" + inSpan);
        System.out.println("refillPopulates=" + (Os.populateCalls() - p));
        System.out.println("residentAfterRefill=" + ProcFs.residentPages(span, span + SizeClasses.SLAB_SIZE));
        freeAll(again);
        freeAll(blocks);
        System.out.println("done=true");
    }

    /**
     * Large blocks a refill takes come with the part every request of their class writes
     * populated, once the block the class's previous refill handed out proved written there
     * (hakmem.prefault): 200 KiB requests (class 224 KiB, the class below 192 KiB) written on
     * every page, then one more looked at before any write; 100 KiB requests (class 112 KiB)
     * written on their first page only, which are never populated.
     */
    private static void largeFill() throws Exception {
        long p0 = Os.populateCalls();
        long[] written = new long[16];
        for (int i = 0; i < written.length; i++) {
            written[i] = Hakmem.malloc(200 << 10);
            touch(written[i], 200 << 10);
        }
        System.out.println("writtenPopulates=" + (Os.populateCalls() - p0));
        long next = Hakmem.malloc(200 << 10);
        System.out.println("nextResidentPages=" + ProcFs.residentPages(next, next + (224 << 10)));
        System.out.println("nextResidentBelowClass=" + ProcFs.residentPages(next, next + (192 << 10)));
        long p1 = Os.populateCalls();
        long[] head = new long[16];
        for (int i = 0; i < head.length; i++) {
            head[i] = Hakmem.malloc(100 << 10);
            Os.ALL.set(ValueLayout.JAVA_BYTE, head[i], (byte) 1);
        }
        System.out.println("headPopulates=" + (Os.populateCalls() - p1));
        Hakmem.free(next);
        freeAll(written);
        freeAll(head);
        System.out.println("done=true");
    }

    /** With -Dhakmem.maxMemory=64m: allocation stops with OutOfMemoryError at the limit and works again after frees. */
    private static void limit() {
        long[] blocks = new long[200_000];
        int n = 0;
        String message = null;
        try {
            while (n < blocks.length) {
                blocks[n++] = Hakmem.malloc(1000);
            }
        } catch (OutOfMemoryError e) {
            n--;
            message = e.getMessage();
        }
        Stats s = Hakmem.stats();
        System.out.println("blocks=" + n);
        System.out.println("mapped=" + s.mappedBytes());
        System.out.println("message=" + message);
        String huge = null;
        try {
            Hakmem.malloc(100L << 20);
        } catch (OutOfMemoryError e) {
            huge = e.getMessage();
        }
        System.out.println("hugeMessage=" + huge);
        for (int i = 0; i < n; i++) {
            Hakmem.free(blocks[i]);
        }
        Hakmem.trim();
        long big = Hakmem.malloc(40L << 20);
        Os.ALL.set(ValueLayout.JAVA_BYTE, big + (40L << 20) - 1, (byte) 1);
        Hakmem.free(big);
        long again = Hakmem.malloc(1000);
        Hakmem.free(again);
        System.out.println("recovered=true");
        System.out.println("mappedAfter=" + Hakmem.stats().mappedBytes());
    }

    /**
     * The shadow pages of free slots go back with the slots' pages: 16 KiB blocks over most of a
     * SuperSlab, every one written, then all freed but the first and the last; trim() releases the
     * emptied spans and purges their slots. Prints, for the slot pairs (one shadow page each) of
     * the first block's SuperSlab that no span covers after the trim, how many of their shadow pages
     * were resident before the frees and after the trim, and the same for the pairs still in use.
     */
    private static void shadowPairs() throws Exception {
        int n = 100; // 1.6 MiB of the 2 MiB SuperSlab
        long[] blocks = new long[n];
        for (int i = 0; i < n; i++) {
            blocks[i] = Hakmem.malloc(16384);
            touch(blocks[i], 16384);
        }
        long ss = blocks[0] & -Reservation.UNIT;
        int inSuperSlab = 0;
        for (long b : blocks) {
            if ((b & -Reservation.UNIT) == ss) {
                inSuperSlab++;
            }
        }
        int pairs = SuperSlab.SLABS / 2;
        long pairBytes = 2L * SizeClasses.SLAB_SIZE;
        boolean[] residentBefore = new boolean[pairs];
        for (int k = 0; k < pairs; k++) {
            long w = Shadow.word(ss + k * pairBytes);
            residentBefore[k] = ProcFs.residentPages(w, w + 4096) == 1;
        }
        for (int i = 1; i < n - 1; i++) {
            Hakmem.free(blocks[i]);
        }
        Hakmem.trim();
        int freePairs = 0;
        int freeBefore = 0;
        int freeAfter = 0;
        int usedPairs = 0;
        int usedAfter = 0;
        for (int k = 0; k < pairs; k++) {
            long a = ss + k * pairBytes;
            long w = Shadow.word(a);
            boolean resident = ProcFs.residentPages(w, w + 4096) == 1;
            if (SpanMap.of(a) == null && SpanMap.of(a + SizeClasses.SLAB_SIZE) == null) {
                freePairs++;
                freeBefore += residentBefore[k] ? 1 : 0;
                freeAfter += resident ? 1 : 0;
            } else {
                usedPairs++;
                usedAfter += resident ? 1 : 0;
            }
        }
        System.out.println("blocksInSuperSlab=" + inSuperSlab);
        System.out.println("freePairs=" + freePairs);
        System.out.println("freePairsShadowBefore=" + freeBefore);
        System.out.println("freePairsShadowAfter=" + freeAfter);
        System.out.println("usedPairs=" + usedPairs);
        System.out.println("usedPairsShadowAfter=" + usedAfter);
        Hakmem.free(blocks[0]);
        Hakmem.free(blocks[n - 1]);
        System.out.println("done=true");
    }
}
