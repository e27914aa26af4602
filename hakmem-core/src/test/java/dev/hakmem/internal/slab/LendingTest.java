package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.testing.OtherThread;
import dev.hakmem.testing.ProcFs;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Lending ({@link Lender}, {@code hakmem.lend}): a class about to take a new span takes blocks out
 * of the free runs of another class's spans. The build runs these in both its test runs (the
 * second lends from a heap's first span on); each scenario runs on a fresh thread (a heap of its
 * own) that first holds {@link Lender#MIN_BYTES} of small spans, so it passes the gate whatever it is.
 */
class LendingTest {

    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final int BIG = 1024;
    private static final int SMALL = 256;

    /** Fills a block with a pattern of its address. */
    private static void fill(long a, long n) {
        for (long o = 0; o + 8 <= n; o += 8) {
            ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, a + o, a ^ o);
        }
    }

    private static void check(long a, long n) {
        for (long o = 0; o + 8 <= n; o += 8) {
            long v = ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, a + o);
            if (v != (a ^ o)) {
                throw new AssertionError("block 0x" + Long.toHexString(a) + " byte " + o + " overwritten");
            }
        }
    }

    /** Checks each block's pattern ({@link #fill}) over {@code n} bytes and frees it. */
    private static void checkAndFree(java.util.Collection<Long> blocks, long n) {
        for (long a : blocks) {
            check(a, n);
            Hakmem.free(a);
        }
    }

    /** Runs {@code body} on a new platform thread and rethrows what it threw (lending on only). */
    private static void onFreshThread(Runnable body) throws Exception {
        assumeTrue(Lender.ENABLED, "hakmem.lend is off in this JVM (the build's second test run turns it on)");
        Throwable failure = OtherThread.run(body);
        if (failure != null) {
            throw new AssertionError(failure);
        }
    }

    /**
     * A heap of 1 KiB blocks with three of every four freed (runs of 3 KiB in their spans, given
     * back to the spans), returns the survivors.
     */
    private static List<Long> fragmentedBigBlocks(int fragmented) {
        return fragmented(BIG, 4, fragmented);
    }

    /**
     * {@link Lender#MIN_BYTES} of blocks of {@code size} bytes (past the lending gate) and
     * {@code extra} more, filled, all but one in every {@code keepOne} freed and given back to
     * their spans (runs of {@code keepOne - 1} blocks to lend); returns the survivors.
     */
    private static List<Long> fragmented(int size, int keepOne, int extra) {
        int n = (int) (Lender.MIN_BYTES / size) + extra;
        List<Long> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long a = Hakmem.malloc(size);
            fill(a, size);
            all.add(a);
        }
        List<Long> kept = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (i % keepOne == 0) {
                kept.add(all.get(i));
            } else {
                Hakmem.free(all.get(i));
            }
        }
        Heap h = SpanMap.of(kept.get(0)).owner; // this thread's heap, which holds the blocks
        flush(h); // the freed blocks into their spans: runs to lend
        return kept;
    }

    /** Empties heap {@code h}'s magazines and collects its remote frees (this thread holds it). */
    private static void flush(Heap h) {
        inSlowPath(h, h::flushAll);
    }

    /** Runs {@code body} on heap {@code h} inside a slow path of its holder, this thread. */
    private static void inSlowPath(Heap h, Runnable body) {
        long o = h.enterSlow();
        try {
            body.run();
        } finally {
            h.exitSlow(o);
        }
    }

    @Test
    void aClassAboutToGrowIsServedFromAnotherClassesFreeRunsByteForByte() throws Exception {
        onFreshThread(() -> {
            List<Long> kept = fragmentedBigBlocks(4096);
            Heap h = SpanMap.of(kept.get(0)).owner; // the heap that holds the 1 KiB spans
            long lentBefore = Hakmem.stats().sizeClasses().get(SizeClasses.classOf(SMALL)).lent();
            List<Long> small = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                long a = Hakmem.malloc(SMALL);
                fill(a, SMALL);
                small.add(a);
            }
            int lent = 0;
            for (long a : small) {
                Span s = SpanMap.of(a);
                if (s.lentSize(a) == SMALL) {
                    lent++;
                    assertEquals(SMALL, Hakmem.usableSize(a), "a lent block's usable size is its class's");
                }
            }
            // before its own spans (a dead test thread's orphans, perhaps): the heap lends first
            System.out.println("lending: " + lent + " of " + small.size() + " blocks of 256 bytes lent");
            long counted = Hakmem.stats().sizeClasses().get(SizeClasses.classOf(SMALL)).lent() - lentBefore;
            // the statistics count blocks lent into the magazine: those handed out, and the last batch's rest
            assertTrue(counted >= lent && counted < lent + 1024, "lent blocks counted: " + counted + " for " + lent);
            assertTrue(lent > 0, "the 256-byte class took blocks out of free runs of other classes: " + lent);
            for (long a : kept) {
                check(a, BIG);
            }
            for (long a : small) {
                check(a, SMALL);
            }
            // the page owner entries: 0 where a lease lies, so lent blocks take the slow path; the
            // owner's everywhere else, so the regular blocks of a span with leases keep the fast path
            int fastInLeasedSpans = 0;
            for (long a : small) {
                Span s = SpanMap.of(a);
                if (s.lentSize(a) >= 0) {
                    assertEquals(0, PageOwners.get(a), "entry at lent block 0x" + Long.toHexString(a));
                }
                assertTrue(s.consistent(), "entries of " + s);
            }
            for (long a : kept) {
                Span s = SpanMap.of(a);
                assertTrue(s.consistent(), "entries of " + s);
                if (s.leases != null && SpanEntries.at(s, a) != 0) {
                    assertEquals(PageOwners.entry(Thread.currentThread(), s.cls), PageOwners.get(a));
                    fastInLeasedSpans++;
                }
            }
            assertTrue(fastInLeasedSpans > 0, "regular blocks of spans with leases on pages no lease touches");
            // frees in any order give every lease back: no hole left, no span with leases
            for (int i = 0; i < small.size(); i += 2) {
                Hakmem.free(small.get(i));
            }
            for (int i = 1; i < small.size(); i += 2) {
                Hakmem.free(small.get(i));
            }
            flush(h);
            for (long a : small) {
                Span sp = SpanMap.of(a);
                assertTrue(sp == null || sp.lentSize(a) < 0, "0x" + Long.toHexString(a) + " is no longer lent");
            }
            for (long a : kept) {
                Span s = SpanMap.of(a);
                if (s.owner == h) {
                    assertTrue(s.consistent(), "entries of " + s);
                    // a kept block may itself be lent, out of a span an earlier test's heap left fragmented
                    if (s.leaseAt(a) == null) {
                        assertEquals(PageOwners.entry(Thread.currentThread(), s.cls), PageOwners.get(a),
                                "every lease of the small blocks ended: the owner's entry again at 0x" + Long.toHexString(a));
                    }
                }
                check(a, BIG);
                Hakmem.free(a);
            }
            flush(h);
            for (long a : kept) {
                Span sp = SpanMap.of(a);
                assertTrue(sp == null || sp.leaseAt(a) == null, "everything freed: no lease left around 0x" + Long.toHexString(a)
                        + ": " + (sp == null ? null : sp.leaseAt(a)) + ", leases " + (sp == null ? null : sp.leases)
                        + ", owner " + (sp == null ? null : sp.owner) + " / " + h);
            }
            for (long a : small) {
                Span sp = SpanMap.of(a);
                assertTrue(sp == null || sp.leaseAt(a) == null, "everything freed: no lease left around 0x" + Long.toHexString(a));
            }
        });
    }

    /**
     * Leases of 96 bytes (two free 48-byte blocks), dozens to a page, lend 32-byte blocks; the
     * lent blocks are freed in random order, half at a time: every page entry of the leased spans
     * stays 0 while any lease on the page lasts and is the owner's once none does
     * ({@link Span#consistent} against {@link SpanEntries#at}), whichever neighbour ends first.
     */
    @Test
    void leasesThatShareAPageEndInAnyOrderAndLeaveItsEntryToTheOthers() throws Exception {
        onFreshThread(() -> {
            int size = 48;
            int need = 32;
            List<Long> kept = fragmented(size, 3, 4096);
            Heap h = SpanMap.of(kept.get(0)).owner;
            List<Long> lent = new ArrayList<>();
            List<Long> own = new ArrayList<>();
            java.util.Set<Span> leased = new java.util.HashSet<>();
            for (int i = 0; i < 20_000; i++) {
                long a = Hakmem.malloc(need);
                fill(a, need);
                Span s = SpanMap.of(a);
                if (s.lentSize(a) == need) {
                    lent.add(a);
                    leased.add(s);
                } else {
                    own.add(a);
                }
            }
            int shared = 0;
            for (Span s : leased) {
                Lease before = null;
                for (Lease l : s.leases) {
                    if (before != null && Span.pageFloor(before.end - 1) == Span.pageFloor(l.start)) {
                        shared++;
                    }
                    before = l;
                }
            }
            assertTrue(lent.size() > 1000 && shared > 100, lent.size() + " blocks lent, " + shared + " pages shared by two leases");
            java.util.Collections.shuffle(lent, new java.util.Random(42));
            int half = lent.size() / 2;
            for (int round = 0; round < 2; round++) {
                for (long a : round == 0 ? lent.subList(0, half) : lent.subList(half, lent.size())) {
                    check(a, need);
                    Hakmem.free(a);
                }
                flush(h); // the freed lent blocks back to their leases: those with nothing lent end
                int lasting = 0;
                for (Span s : leased) {
                    if (s.owner == h) {
                        assertTrue(s.consistent(), "entries of " + s + " after round " + round + ", leases " + s.leases);
                    }
                }
                for (long a : lent) {
                    Span s = SpanMap.of(a);
                    lasting += s != null && s.owner == h && s.leaseAt(a) != null ? 1 : 0;
                }
                if (round == 0) {
                    assertTrue(lasting > 0, "half the lent blocks freed: leases left");
                } else {
                    assertEquals(0, lasting, "every lent block freed: its lease ended");
                }
            }
            checkAndFree(kept, size);
            checkAndFree(own, need);
        });
    }

    @Test
    void lentBlocksReallocAndRefuseDoubleFrees() throws Exception {
        onFreshThread(() -> {
            List<Long> kept = fragmentedBigBlocks(1024);
            long a = lentSmallBlock();
            fill(a, SMALL);
            long b = Hakmem.realloc(a, 4000);
            check2(b, a);
            long c = lentSmallBlock();
            IllegalArgumentException inside = assertThrows(IllegalArgumentException.class, () -> Hakmem.free(c + 8),
                    () -> "inside a live lent block, in a slab of another class: " + SpanMap.of(c).leaseAt(c + 8) + " " + SpanMap.of(c).lentSize(c));
            Hakmem.free(c);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Hakmem.free(c));
            assertTrue(e.getMessage().contains(Long.toHexString(c)), e.getMessage());
            // inside the freed lent block (still in the span's lent table until its batch goes back): freed memory
            IllegalStateException stale = assertThrows(IllegalStateException.class, () -> Hakmem.free(c + 16));
            assertTrue(stale.getMessage().contains("holds no live block"), stale.getMessage());
            assertThrows(IllegalStateException.class, () -> Hakmem.usableSize(c));
            Hakmem.free(b);
            for (long k : kept) {
                Hakmem.free(k);
            }
        });
    }

    /** A block of 256 bytes lent out of a 1 KiB span (those the class has of its own are used up first, and kept). */
    private static long lentSmallBlock() {
        List<Long> own = new ArrayList<>();
        try {
            for (int i = 0; i < 100_000; i++) {
                long a = Hakmem.malloc(SMALL);
                if (SpanMap.of(a).lentSize(a) == SMALL) {
                    return a;
                }
                own.add(a);
            }
            throw new AssertionError("no 256-byte block lent out of the 1 KiB spans");
        } finally {
            for (long a : own) {
                Hakmem.free(a);
            }
        }
    }

    /** Block {@code b} starts with the first 256 bytes of old block {@code a}'s pattern. */
    private static void check2(long b, long a) {
        for (long o = 0; o < SMALL; o += 8) {
            assertEquals(a ^ o, ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, b + o), "byte " + o + " of the reallocated block");
        }
    }

    @Test
    void lentBlocksFreedByOtherThreadsAndAfterTheirHeapDiedGoBackToTheirLeases() throws Exception {
        List<Long> lentOut = new ArrayList<>();
        List<Long> kept = new ArrayList<>();
        // this thread gets a heap of its own first: else its first call would adopt the dead
        // thread's heap whole (leases and hole index with it), and nothing would be abandoned
        Hakmem.free(Hakmem.malloc(64));
        onFreshThread(() -> {
            kept.addAll(fragmentedBigBlocks(2048));
            Heap h = SpanMap.of(kept.get(0)).owner;
            for (int i = 0; i < 1500; i++) {
                long a = Hakmem.malloc(SMALL);
                fill(a, SMALL);
                lentOut.add(a);
            }
            long lent = lentOut.stream().filter(a -> SpanMap.of(a).lentSize(a) == SMALL).count();
            assertTrue(lent > 0, "lent: " + lent);
            // half freed by another thread while this heap lives: remote frees, collected by this heap
            onFreshThreadUnchecked(() -> {
                for (int i = 0; i < lentOut.size(); i += 2) {
                    check(lentOut.get(i), SMALL);
                    Hakmem.free(lentOut.get(i));
                }
            });
            flush(h); // collects them
        });
        // the heap's thread is gone: its spans, leases and all, are orphans or another heap's now
        Hakmem.trim();
        for (int i = 1; i < lentOut.size(); i += 2) {
            long a = lentOut.get(i);
            Lease l = SpanMap.of(a).leaseAt(a);
            Heap holder = l == null || l.index == null ? null : l.index.heap;
            assertTrue(holder == null || (holder == SpanMap.of(a).owner && holder.platformThread() != null && holder.platformThread().isAlive()),
                    "a dead heap's lease is in no hole index, fully lent or not: " + l + " in the index of " + holder);
        }
        for (int i = 1; i < lentOut.size(); i += 2) {
            check(lentOut.get(i), SMALL);
            Hakmem.free(lentOut.get(i));
        }
        for (long k : kept) {
            check(k, BIG);
            Hakmem.free(k);
        }
        // an orphan's remote frees are collected when a heap next takes a span from the pool: a
        // large block's span (never lent) makes sure one does
        Hakmem.free(Hakmem.malloc(200_000));
        Hakmem.trim();
        for (long k : kept) {
            Span s = SpanMap.of(k);
            assertTrue(s == null || s.leases == null, "every lease ended: " + s);
        }
    }

    @Test
    void aHarvestWhoseBudgetRunsOutGoesOnAtTheNextGrowthWithoutPausing() throws Exception {
        // with lending from the first span (the build's second test run), the set-up's own
        // allocations are lent out of each other's runs and the runs below are not what it makes
        assumeTrue(Lender.MIN_BYTES > 0, "hakmem.lendMinBytes=0");
        onFreshThread(() -> {
            // more partial spans of 1,152-byte blocks than one harvest looks at, every other block
            // free: runs of one block, too short for a 2,304-byte block (a class few tests use, so
            // that no span of a dead test thread's heap this thread may adopt has longer runs);
            // then runs of 3 KiB in 1 KiB spans
            int shortRuns = SizeClasses.classOf(1152);
            int want = 2304;
            int perSpan = SizeClasses.blocksPerSpan(shortRuns);
            int n = (Lender.SPANS_PER_HARVEST + 16) * perSpan;
            long[] blocks = new long[n];
            for (int i = 0; i < n; i++) {
                blocks[i] = Hakmem.malloc(1152);
            }
            for (int i = 1; i < n; i += 2) {
                Hakmem.free(blocks[i]);
            }
            List<Long> kept = fragmentedBigBlocks(64); // flushes the heap: the frees above are in their spans too
            Heap h = SpanMap.of(kept.get(0)).owner;
            assertTrue(SpanMap.of(blocks[0]).owner == h, "one heap holds both classes");
            int partial = 0;
            for (int i = 0; i < n; i += perSpan) {
                partial += SpanMap.of(blocks[i]).list == SpanLists.PARTIAL ? 1 : 0;
            }
            assertTrue(partial > Lender.SPANS_PER_HARVEST, partial + " partial spans of 1,152-byte blocks");
            int c = SizeClasses.classOf(want);
            long[] lent = new long[64];
            int[] got = new int[2]; // the two harvests' blocks
            inSlowPath(h, () -> {
                h.lender.restartHarvestsAt(shortRuns);
                got[0] = h.lendBeforeGrowth(c, lent, lent.length);
                got[1] = got[0] > 0 ? 0 : h.lendBeforeGrowth(c, lent, lent.length);
            });
            int first = got[0];
            int second = got[1];
            assertEquals(0, first, "the first harvest spent its budget on the spans of short runs");
            assertTrue(second > 0, "the next growth went on where that harvest stopped and leased a run");
            for (int i = 0; i < second; i++) {
                assertEquals(want, SpanMap.of(lent[i]).lentSize(lent[i]), "a 2,304-byte block lent");
                Magazines.markLive(lent[i]); // handed out, as a refill hands out the blocks it took
                fill(lent[i], want);
                check(lent[i], want);
                Hakmem.free(lent[i]);
            }
            for (int i = 0; i < n; i += 2) {
                Hakmem.free(blocks[i]);
            }
            checkAndFree(kept, BIG);
            flush(h);
            for (long a : kept) {
                Span s = SpanMap.of(a);
                assertTrue(s == null || s.leases == null, "every lease ended: " + s);
            }
        });
    }

    @Test
    void theSweepsGiveBackEveryWholePageInsideHolesOnce() throws Exception {
        onFreshThread(() -> {
            // 4 KiB blocks with seven of every eight freed: runs of 28 KiB to lease
            int page = 4096;
            List<Long> kept = fragmented(page, 8, 8192);
            Heap h = SpanMap.of(kept.get(0)).owner;
            List<Long> small = new ArrayList<>();
            for (int i = 0; i < 4000; i++) {
                long a = Hakmem.malloc(SMALL);
                fill(a, SMALL);
                small.add(a);
            }
            // keep the first lent block of each lease, free the rest: each lease one big hole
            java.util.Map<Lease, Long> first = new java.util.IdentityHashMap<>();
            for (long a : small) {
                Lease l = SpanMap.of(a).lentSize(a) >= 0 ? SpanMap.of(a).leaseAt(a) : null;
                if (l != null) {
                    first.merge(l, a, Math::min);
                }
            }
            assertTrue(first.size() > 0, "256-byte blocks lent out of the 4 KiB class's runs");
            java.util.Set<Long> survivors = new java.util.HashSet<>(first.values());
            for (long a : small) {
                if (!survivors.contains(a)) {
                    Hakmem.free(a);
                }
            }
            flush(h); // the lent frees back to their leases: holes
            long[] given = new long[3];
            inSlowPath(h, () -> {
                for (int k = 0; k < 3; k++) {
                    given[k] = h.lender.purgeHoles(false);
                }
            });
            // a hole's whole pages go back at the second sweep after it was made at the latest (the
            // heap sweeps at once too, after a flush that gave back much): none is resident now
            long pages = 0;
            for (var e : first.entrySet()) {
                pages += assertNoPageResident(e.getValue() + SMALL, e.getKey().end, "inside the hole of " + e.getKey()
                        + " after the sweeps (given back " + java.util.Arrays.toString(given) + ")");
            }
            assertTrue(pages > 0, "leases with whole free pages: " + first.keySet());
            assertEquals(0, given[2], "a hole's pages go back once");
            for (long a : survivors) {
                check(a, SMALL);
            }
            // purged pages lent again read as zero and hold what is written
            List<Long> again = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                long a = Hakmem.malloc(SMALL);
                fill(a, SMALL);
                again.add(a);
            }
            checkAndFree(again, SMALL);
            checkAndFree(survivors, SMALL);
            for (long a : kept) {
                Hakmem.free(a);
            }
        });
    }

    @Test
    void aLeaseOverPurgedPagesLeavesThemToTheSweepsWhenItEnds() throws Exception {
        onFreshThread(() -> {
            int page = 4096;
            List<Long> kept = fragmented(page, 8, 8192);
            Heap h = SpanMap.of(kept.get(0)).owner;
            sweep(h); // the runs' free pages go back: purged, as the spans record
            List<Long> small = new ArrayList<>();
            java.util.Map<Lease, long[]> leases = new java.util.IdentityHashMap<>();
            for (int i = 0; i < 4000; i++) {
                long a = Hakmem.malloc(SMALL);
                fill(a, SMALL); // the lent blocks write the purged pages again
                small.add(a);
                Span s = SpanMap.of(a);
                if (s.lentSize(a) >= 0) {
                    Lease l = s.leaseAt(a);
                    leases.putIfAbsent(l, new long[] {l.start, l.end});
                }
            }
            assertTrue(leases.size() > 0, "256-byte blocks lent out of the 4 KiB class's runs");
            checkAndFree(small, SMALL);
            flush(h); // every lease ends: its blocks back in their span, free, their pages resident
            sweep(h);
            long pages = 0;
            for (long[] r : leases.values()) {
                pages += assertNoPageResident(r[0], r[1], "of an ended lease at 0x" + Long.toHexString(r[0])
                        + " after a sweep (they were purged before the lease)");
            }
            assertTrue(pages > 0, "leases with whole pages");
            checkAndFree(kept, page);
        });
    }

    /**
     * Asserts that no whole page inside {@code [start, end)} is resident ({@code what}: where, for
     * the message) and returns how many whole pages that range holds.
     */
    private static long assertNoPageResident(long start, long end, String what) {
        long from = Span.pageCeil(start);
        long to = Span.pageFloor(end);
        if (to <= from) {
            return 0;
        }
        try {
            assertEquals(0, ProcFs.residentPages(from, to), "resident pages " + what);
        } catch (java.io.IOException x) {
            throw new AssertionError(x);
        }
        return (to - from) / Span.PAGE;
    }

    /** The sweep of heap {@code h} now (this thread holds it): every free page of its spans and holes goes back. */
    private static void sweep(Heap h) {
        inSlowPath(h, () -> h.sweep(true));
    }

    private static void onFreshThreadUnchecked(Runnable body) {
        try {
            onFreshThread(body);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
