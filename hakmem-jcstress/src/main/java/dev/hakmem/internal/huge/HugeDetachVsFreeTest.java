package dev.hakmem.internal.huge;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@code detach} (the first step of a realloc or free) races with a whole {@code free} of the
 * same huge block: exactly one of them gets the mapping.
 */
@JCStressTest
@Description("Thread 1 calls HugeTier.detach(a, usable) (as realloc does before mremap), thread 2 HugeTier.free(a), on the "
        + "same live huge block of one page. Result: 1 if detach got it (its length), 1 if free got it. Exactly one of "
        + "them owns the mapping afterwards; the arbiter then releases what the detacher holds.")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "detach won (the free found the block gone); the detacher holds the mapping.")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "free won (the detach found the block gone).")
@Outcome(expect = FORBIDDEN, desc = "Both got the mapping (it would be released twice) or neither did.")
@State
public class HugeDetachVsFreeTest {
    final long a = HugeTier.allocate(4096, 8, false);
    final long[] usable = new long[1];
    long len = -2;

    @Actor
    public void detach(II_Result r) {
        len = HugeTier.detach(a, usable);
        r.r1 = len == 4096 ? 1 : len < 0 ? 0 : 2;
    }

    @Actor
    public void free(II_Result r) {
        r.r2 = HugeTier.free(a) ? 1 : 0;
    }

    @Arbiter
    public void check(II_Result r) {
        if (len > 0) {
            HugeTier.release(a, len);
        }
    }
}
