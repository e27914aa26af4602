package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.internal.os.Os;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A large block's slack ({@link LargeSlack#fit}): a block handed out again after its heap handed
 * out {@link LargeSlack#AGE} large blocks gives back the whole pages past the new request that a
 * former request wrote, and only those; a block allocated again sooner keeps them (a churn would
 * fault them in again at once); {@code realloc} within the class only records. The pages the
 * request covers keep their bytes. Residency from {@code mincore}; each test runs in a thread of
 * its own, its magazines emptied first.
 */
class LargeSlackTest {

    private static final int PAGE = 4096;
    /** A class of 160 KiB (requests above 128 KiB), 40 pages. */
    private static final int BLOCK = 160 << 10;
    /** Size of the blocks {@link #age} and {@link #churn} hand out: a class of its own, below {@link #BLOCK}'s. */
    private static final int AGING_BLOCK = 40 << 10;
    /** A request of that class: 35 pages, the last one partly. */
    private static final long REQUEST = (128 << 10) + 2 * PAGE + 100;

    @Test
    void anOldBlockGivesBackTheWholePagesPastASmallerRequest() throws Exception {
        FreshThread.run(() -> {
            long b = recycled((byte) 1, LargeSlackTest::age);
            assertEquals(35, span(b).writtenPages(b));
            assertResident(b, 0, 35, true);
            assertResident(b, 35, 40, false);
            assertEquals(1, Os.ALL.get(ValueLayout.JAVA_BYTE, b + REQUEST - 1), "pages under the request keep their bytes");
            Hakmem.free(b);
        });
    }

    @Test
    void anOldBlockOfAChurningHeapKeepsItsPages() throws Exception {
        FreshThread.run(() -> {
            // the block is as old as in the test above, but the heap's hand-outs are young ones
            long a = recycled((byte) 5, LargeSlackTest::churn);
            assertEquals(40, span(a).writtenPages(a), "a straggler of a churn keeps its slack");
            assertResident(a, 0, 40, true);
            Hakmem.free(a);
            age(); // the heap now holds its blocks, and hands them out again old (most of them):
            age(); // the same block, old again, gives its slack back
            long b = Hakmem.malloc(REQUEST);
            assertEquals(a, b);
            assertEquals(35, span(b).writtenPages(b));
            assertResident(b, 35, 40, false);
            Hakmem.free(b);
        });
    }

    @Test
    void aBlockAllocatedAgainSoonKeepsItsPages() throws Exception {
        FreshThread.run(() -> {
            long b = recycled((byte) 2, () -> { });
            assertEquals(40, span(b).writtenPages(b), "the record keeps the larger extent");
            assertResident(b, 0, 40, true);
            Hakmem.free(b);
        });
    }

    @Test
    void aRequestPastTheRecordRaisesIt() throws Exception {
        FreshThread.run(() -> {
            long a = Hakmem.malloc((128 << 10) + 1); // 33 pages
            Os.ALL.asSlice(a, (128 << 10) + 1).fill((byte) 3);
            Hakmem.free(a);
            age();
            long b = Hakmem.malloc((128 << 10) + 1);
            assertEquals(a, b);
            assertEquals(33, span(b).writtenPages(b), "old: fitted to the request");
            Hakmem.free(b);
            b = Hakmem.malloc(BLOCK);
            assertEquals(a, b);
            assertEquals(40, span(b).writtenPages(b));
            assertResident(b, 0, 32, true); // the 33rd holds one byte written: resident too
            Hakmem.free(b);
        });
    }

    @Test
    void reallocWithinTheClassRecordsAndKeepsEveryByte() throws Exception {
        FreshThread.run(() -> {
            long a = Hakmem.malloc((128 << 10) + 1);
            assertTrue(span(a).writtenPages(a) >= 33);
            assertEquals(a, Hakmem.realloc(a, BLOCK), "within its class: in place");
            assertEquals(40, span(a).writtenPages(a), "the owner may write the whole block now");
            for (int i = 0; i < BLOCK; i++) {
                Os.ALL.set(ValueLayout.JAVA_BYTE, a + i, (byte) (i * 31));
            }
            long shrunk = (128 << 10) + 1;
            assertEquals(a, Hakmem.realloc(a, shrunk));
            assertEquals(40, span(a).writtenPages(a), "a shrink gives nothing back (a resize churn would fault it in again)");
            for (int i = 0; i < shrunk; i++) {
                assertEquals((byte) (i * 31), Os.ALL.get(ValueLayout.JAVA_BYTE, a + i), "byte " + i);
            }
            Hakmem.free(a);
        });
    }

    @Test
    void anAlignedLargeBlockIsFittedToTheRequestNotToItsClass() throws Exception {
        FreshThread.run(() -> {
            age();
            long a = Hakmem.alignedAlloc(64 << 10, 70_000); // a 128 KiB class (a multiple of 64 KiB)
            assertEquals(0, a & ((64 << 10) - 1));
            Span s = span(a);
            assertEquals(128 << 10, s.blockSize);
            assertEquals(18, s.writtenPages(a));
            assertResident(a, 18, 32, false);
            Hakmem.free(a);
        });
    }

    @Test
    void manyRecycledBlocksOfRandomSizesKeepEveryRequestedByte() throws Exception {
        FreshThread.run(() -> {
            java.util.SplittableRandom r = new java.util.SplittableRandom(7);
            long[] live = new long[64];
            int[] size = new int[live.length];
            for (int i = 0; i < 20_000; i++) {
                int k = r.nextInt(live.length);
                if (live[k] != 0) {
                    assertFilled(live[k], size[k], (byte) k);
                    Hakmem.free(live[k]);
                }
                size[k] = (32 << 10) + 1 + r.nextInt(480 << 10);
                live[k] = Hakmem.malloc(size[k]);
                assertTrue(span(live[k]).writtenPages(live[k]) >= (size[k] + PAGE - 1) / PAGE);
                Os.ALL.asSlice(live[k], size[k]).fill((byte) k);
            }
            for (int k = 0; k < live.length; k++) {
                assertFilled(live[k], size[k], (byte) k);
                Hakmem.free(live[k]);
            }
        });
    }

    /**
     * A block of {@link #BLOCK} bytes, written all over with {@code fill} and freed; then
     * {@code between}; then a {@link #REQUEST}, which the magazine serves with the same block.
     */
    private static long recycled(byte fill, Runnable between) {
        long a = Hakmem.malloc(BLOCK);
        Os.ALL.asSlice(a, BLOCK).fill(fill);
        assertEquals(40, span(a).writtenPages(a), "written all over");
        Hakmem.free(a);
        between.run();
        long b = Hakmem.malloc(REQUEST);
        assertEquals(a, b, "the magazine hands the freed block out again");
        return b;
    }

    /**
     * Hands out {@link LargeSlack#AGE} blocks of 40 KiB, all held at once, then frees them: every
     * large block out of the heap before is old now, and the heap has not churned (first
     * hand-outs count neither way in its share of old blocks).
     */
    private static void age() {
        long[] held = new long[LargeSlack.AGE];
        for (int i = 0; i < held.length; i++) {
            held[i] = Hakmem.malloc(AGING_BLOCK);
        }
        for (long h : held) {
            Hakmem.free(h);
        }
    }

    /** Hands one block of 40 KiB out {@link LargeSlack#AGE} times, freeing it in between: a churn, every hand-out but the first young. */
    private static void churn() {
        for (int i = 0; i <= LargeSlack.AGE; i++) {
            Hakmem.free(Hakmem.malloc(AGING_BLOCK));
        }
    }

    private static void assertFilled(long a, int n, byte b) {
        for (int i = 0; i < n; i += 509) {
            assertEquals(b, Os.ALL.get(ValueLayout.JAVA_BYTE, a + i), "byte " + i + " of " + n);
        }
        assertEquals(b, Os.ALL.get(ValueLayout.JAVA_BYTE, a + n - 1), "last byte of " + n);
    }

    private static Span span(long a) {
        Span s = SpanMap.of(a);
        assertTrue(s != null && s.blockSize > SizeClasses.MAX_SMALL, "a large block: 0x" + Long.toHexString(a));
        return s;
    }

    /** Each page {@code [from, to)} of block {@code a} is resident ({@code resident}) or not. */
    private static void assertResident(long a, int from, int to, boolean resident) {
        byte[] v = new byte[1];
        List<Integer> wrong = new ArrayList<>();
        for (int p = from; p < to; p++) {
            if (Os.allResident(a + (long) p * PAGE, PAGE, v) != resident) {
                wrong.add(p);
            }
        }
        assertTrue(wrong.isEmpty(), "pages " + (resident ? "not resident" : "resident") + ": " + wrong);
    }
}
