package dev.hakmem.internal.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.Hakmem;
import dev.hakmem.Stats;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Emptied large spans parked in the thread's heap: bounded by {@code hakmem.parkedSpanBytes},
 * taken back without the pool, handed to the pool by any thread at any time without racing the
 * owner.
 */
@SuppressWarnings("restricted")
class ParkedSpanTest {

    @BeforeEach
    void noneParked() {
        Hakmem.trim();
    }

    private static long poolTrips() {
        Stats.Stages s = Hakmem.stats().stages();
        return s.emptySlab() + s.partialSlab() + s.unusedSlot() + s.cachedSuperSlab() + s.newSuperSlab();
    }

    private static long spanBytes(int c) {
        return (long) SizeClasses.spanSlabs(c) << SizeClasses.SLAB_SHIFT;
    }

    /**
     * Gives the large classes' magazines of the current thread's heap back to their spans, as the
     * sweep the decay thread asks for does: freed large blocks first wait in the magazine.
     */
    private static void flushLargeMagazines() {
        Heap h = Heaps.ofPlatformThread(Thread.currentThread());
        long o = h.enterSlow();
        try {
            h.sweep(false);
        } finally {
            h.exitSlow(o);
        }
    }

    /**
     * One block of every large class whose span is that one block (from 320 KiB: with no other
     * block in the span or the thread cache, a later block of the class comes from a parked span
     * or from the pool), all freed and given back from the magazines: the spans parked are those
     * that fit the bound, each taken back with no pool trip; the others went to the pool.
     */
    @Test
    void parkedSpansStayWithinTheBound() {
        int first = SizeClasses.SMALL_COUNT;
        while (spanBytes(first) / SizeClasses.size(first) != 1 || SizeClasses.cacheCapacity(first) != 1) {
            first++;
        }
        long[] a = new long[SizeClasses.COUNT - first];
        for (int c = first; c < SizeClasses.COUNT; c++) {
            a[c - first] = Hakmem.malloc(SizeClasses.size(c));
        }
        for (long x : a) {
            Hakmem.free(x);
        }
        flushLargeMagazines();
        long parked = 0;
        int fromPool = 0;
        for (int c = first; c < SizeClasses.COUNT; c++) {
            long before = poolTrips();
            a[c - first] = Hakmem.malloc(SizeClasses.size(c));
            if (poolTrips() == before) {
                parked += spanBytes(c);
            } else {
                fromPool++;
            }
        }
        for (long x : a) {
            Hakmem.free(x);
        }
        long all = 0;
        for (int c = first; c < SizeClasses.COUNT; c++) {
            all += spanBytes(c);
        }
        System.out.printf("parked %d KiB of %d KiB of spans (bound %d KiB), %d classes from the pool%n",
                parked >> 10, all >> 10, ParkedSpans.BOUND_BYTES >> 10, fromPool);
        assertTrue(parked <= ParkedSpans.BOUND_BYTES, parked + " bytes parked, bound " + ParkedSpans.BOUND_BYTES);
        assertTrue(parked > 0, "something was parked");
        assertTrue(fromPool > 0, "the spans of all large classes (" + all + " bytes) do not fit the bound");
    }

    /**
     * The owner churns large blocks (its magazines given back after each round, so each allocation
     * likely takes the span it parked at the previous free) while another thread keeps handing every parked span to the pool: no block
     * is handed out twice or loses a byte, and afterwards everything goes back.
     */
    @Test
    void handingParkedSpansToThePoolRacesSafelyWithTheOwner() throws InterruptedException {
        long mappedBefore = Hakmem.stats().mappedBytes();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong taken = new AtomicLong();
        Thread thief = new Thread(() -> {
            while (!stop.get()) {
                for (Heap h : Heaps.all()) {
                    h.handOverParked(System.nanoTime(), true);
                }
                taken.incrementAndGet();
            }
        });
        AtomicReference<Throwable> failure = new AtomicReference<>();
        thief.start();
        long[] sizes = {40_000, 300_000, 1 << 20, 2 << 20};
        long[] live = new long[sizes.length];
        long deadline = System.nanoTime() + 2_000_000_000L;
        int rounds = 0;
        try {
            while (System.nanoTime() - deadline < 0) {
                for (int i = 0; i < sizes.length; i++) {
                    live[i] = Hakmem.malloc(sizes[i]);
                    MemorySegment.ofAddress(live[i]).reinterpret(sizes[i]).fill((byte) (rounds + i));
                }
                for (int i = 0; i < sizes.length; i++) {
                    MemorySegment m = MemorySegment.ofAddress(live[i]).reinterpret(sizes[i]);
                    for (long o = 0; o < sizes[i]; o += 4093) {
                        if (m.get(ValueLayout.JAVA_BYTE, o) != (byte) (rounds + i)) {
                            throw new AssertionError("round " + rounds + ": block of " + sizes[i] + " changed at " + o);
                        }
                    }
                    Hakmem.free(live[i]);
                }
                flushLargeMagazines(); // the blocks' spans park, for the thief to take
                rounds++;
            }
        } catch (Throwable t) {
            failure.set(t);
        } finally {
            stop.set(true);
            thief.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        System.out.printf("%d rounds against %d hand-overs%n", rounds, taken.get());
        assertTrue(rounds > 100 && taken.get() > 100, rounds + " rounds, " + taken.get() + " hand-overs");
        Hakmem.trim();
        assertEquals(0, Hakmem.stats().liveBytes() - 0, "nothing live");
        assertTrue(Hakmem.stats().mappedBytes() <= mappedBefore, "trim gave everything back: "
                + mappedBefore + " -> " + Hakmem.stats().mappedBytes());
    }
}
