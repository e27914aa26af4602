package dev.hakmem.internal.slab;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The invariants written as {@code assert}s are checked in every test run: assertions are on for
 * the allocator's classes, and a broken invariant fails where it breaks.
 */
class InvariantsTest {

    @Test
    void assertionsAreOnForTheAllocator() {
        assertTrue(Span.class.desiredAssertionStatus(), "tests must run with -ea (surefire's default)");
        assertTrue(Heap.class.desiredAssertionStatus());
    }

    @Test
    void aBlockGivenBackTwiceFailsTheSpanInvariant() {
        Span s = new Span(new SuperSlab(0), 0, 1, 0);
        long[] got = new long[2];
        s.take(got, 0, 2);
        s.giveIndex(0);
        assertThrows(AssertionError.class, () -> s.giveIndex(0));
    }

    @Test
    void aFullSpanMustBeExhausted() {
        Span s = new Span(new SuperSlab(0), 0, 1, 0);
        SpanLists lists = new SpanLists(Magazines.create());
        assertThrows(AssertionError.class, () -> lists.link(s, SpanLists.FULL), "a fresh span has blocks to carve");
        lists.link(s, SpanLists.PARTIAL);
        assertThrows(AssertionError.class, () -> lists.link(s, SpanLists.PARTIAL), "already on a list");
        assertThrows(AssertionError.class, () -> lists.setCurrent(0, s), "a current span is on no list");
    }
}
