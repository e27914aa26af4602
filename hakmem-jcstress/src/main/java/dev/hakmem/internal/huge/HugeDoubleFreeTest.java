package dev.hakmem.internal.huge;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/** Two threads free the same huge block at once: exactly one frees it, the other is told it is not live. */
@JCStressTest
@Description("Two threads call HugeTier.free(a) on the same live huge block (one page, served by mmap or the huge "
        + "cache). Result: free 1, free 2 (1 = freed it). Exactly one free wins. (Nothing is checked after the race: "
        + "jcstress builds the next states while it runs arbiters, and they may get the same address back.)")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "Thread 1 freed it; thread 2 found it gone.")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "Thread 2 freed it; thread 1 found it gone.")
@Outcome(expect = FORBIDDEN, desc = "Both freed it (mapping released twice) or neither did (leaked).")
@State
public class HugeDoubleFreeTest {
    final long a = HugeTier.allocate(4096, 8, false);

    @Actor
    public void free1(II_Result r) {
        r.r1 = HugeTier.free(a) ? 1 : 0;
    }

    @Actor
    public void free2(II_Result r) {
        r.r2 = HugeTier.free(a) ? 1 : 0;
    }
}
