package dev.hakmem.internal.slab;

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
 * A double free whose freer read the block LIVE before a collect took the first free, racing with
 * the release of the span that the collect emptied: the release clears the span's shadow
 * ({@link Shadow#clearBlocks}, as {@code Span.clearShadow} does under the pool lock) while the
 * freer's stale mark may stand between its mark and its step 4. The freer must still report the
 * double free: a release that zeroed the REMOTE word with a plain store erased the mark unlogged,
 * and the freer took its gone mark for one a collect had taken (both frees of the block succeeded;
 * seen in a realloc-versus-realloc race when the decay thread emptied the owner's heap between them).
 */
@JCStressTest
@Description("Block 9 was freed remotely and collected (free now); a second free of it, whose plain reads came "
        + "before the collect (pushLive), races with the release's clearing of the span's shadow. Result: the "
        + "second push (1 = NOT_LIVE, 0 = OK), REMOTE and LIVE bits left over the span's blocks.")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "Double free reported, nothing left behind.")
@Outcome(expect = FORBIDDEN, desc = "Double free missed (its stale mark cleared unlogged before its step 4), or a bit left behind.")
@State
public class DoubleFreeVsReleaseTest {
    final SpanFixture f = SpanFixture.get();
    final long b = f.block(9);

    public DoubleFreeVsReleaseTest() {
        f.queued(9);
        if (f.collectViaHint() != 1) {
            throw new IllegalStateException("set-up collect did not take block 9");
        }
    }

    @Actor
    public void freerAgain(II_Result r) {
        int p = RemoteFree.pushLive(b, Shadow.word(b));
        r.r1 = p == RemoteFree.OK_AFTER_WAIT ? RemoteFree.OK : p;
    }

    @Actor
    public void release() {
        Shadow.clearBlocks(f.span.base, f.span.blockSize, SpanFixture.BLOCKS);
    }

    @Arbiter
    public void after(II_Result r) {
        r.r2 = f.remoteBits() + f.liveBits();
        f.recycle();
    }
}
