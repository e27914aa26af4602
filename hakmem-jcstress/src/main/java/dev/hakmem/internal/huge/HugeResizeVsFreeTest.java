package dev.hakmem.internal.huge;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A same-size {@code resize} (detach, then reattach) races with a {@code free} of the block: the
 * free either sees the block live (before the detach or after the reattach) or finds it gone
 * while the resize holds it; a block is never freed twice or lost.
 */
@JCStressTest
@Description("Thread 1 calls HugeTier.resize(a, 4096) on a one-page huge block (detach + reattach, no mremap), "
        + "thread 2 HugeTier.free(a). Result: resize (1 = kept the block at a, 0 = OS refused, -1 = block gone), "
        + "free (1 = freed it), and when the free lost: 1 if the block is still live at a (the arbiter then frees it). "
        + "The block ends either freed exactly once or still live with the resizer.")
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "free after the resize reattached the block: freed.")
@Outcome(id = "-1, 1, 0", expect = ACCEPTABLE, desc = "free before the resize: the resize found the block gone.")
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE_INTERESTING, desc = "free while the resize held the block detached: free refused, the block stays live.")
@Outcome(expect = FORBIDDEN, desc = "Block freed and still live, freed by nobody yet gone, or both lost it.")
@State
public class HugeResizeVsFreeTest {
    final long a = HugeTier.allocate(4096, 8, false);

    @Actor
    public void resize(III_Result r) {
        long b = HugeTier.resize(a, 4096);
        r.r1 = b == a ? 1 : b == 0 ? 0 : b < 0 ? -1 : 2;
    }

    @Actor
    public void free(III_Result r) {
        r.r2 = HugeTier.free(a) ? 1 : 0;
    }

    @Arbiter
    public void check(III_Result r) {
        // only when the free lost is the block still ours: once freed, its address may already
        // serve a state jcstress is building at the same time
        if (r.r2 == 0) {
            boolean live = HugeTier.lengthOf(a) == 4096;
            r.r3 = live ? 1 : 0;
            if (live) {
                HugeTier.free(a);
            }
        }
    }
}
