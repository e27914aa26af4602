package dev.hakmem.internal.slab;


import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A real span of class 0 (8-byte blocks, one 64 KiB slab) from {@link SpanPool}, owned by a
 * shared heap, with its first {@link #BLOCKS} blocks handed out, for the remote-free tests.
 *
 * <p>jcstress makes a fresh {@code @State} object per trial, and trials of one batch run at the
 * same time, so every state needs a span of its own (the owner's collect scans the whole span).
 * Fixtures are therefore recycled through a lock-free pool: a state takes one in its constructor
 * ({@link #get}) and its {@code @Arbiter}, which runs after every actor of that state is done, puts
 * it back ({@link #recycle}). The queue orders the arbiter's writes before the next state's
 * constructor; jcstress orders the constructor before the actors and the actors before the arbiter.
 *
 * <p>Block {@code i} of the span is at {@code base + 8 i}: blocks 0..63 share one 512-byte
 * shadow word, block 64 starts the next word.
 */
final class SpanFixture {
    /** Blocks of the span the tests use (two shadow words). */
    public static final int BLOCKS = 128;

    private static final ConcurrentLinkedQueue<SpanFixture> POOL = new ConcurrentLinkedQueue<>();

    /** The heap the span belongs to: a shared heap nobody claims (the slab layer never looks at its holder). */
    public final Heap owner = new Heap(-2000, true);
    public final Span span;
    private final long[] tmp = new long[BLOCKS];

    private SpanFixture() {
        span = SpanPool.acquire(owner, 0);
        if (span.blockSize != 8 || span.capacity < BLOCKS) {
            throw new IllegalStateException("unexpected span " + span);
        }
        takeAll();
        if (SpanMap.of(span.base) != span) {
            throw new IllegalStateException("span not mapped: " + span);
        }
    }

    /** A fixture whose blocks are all out of the span and not live, with no remote frees pending. */
    public static SpanFixture get() {
        SpanFixture f = POOL.poll();
        return f != null ? f : new SpanFixture();
    }

    /** Address of block {@code i}. */
    public long block(int i) {
        return span.base + 8L * i;
    }

    /** Owner: marks block {@code i} live, as the owner does when it hands the block to the user. */
    public void allocate(int i) {
        Shadow.markLive(block(i));
    }

    /**
     * The owner's collect, as {@code Heap.collectRemote()} does it: consume the owner's hint, then
     * claim the span's pending flag, then collect.
     *
     * @return blocks collected (0 when a flag was not set)
     */
    public int collectViaHint() {
        if (!owner.takeHint()) {
            return 0;
        }
        return span.claimPending() ? RemoteFree.collect(span) : 0;
    }

    /** The owner's collect on its refill path ({@code Heap.refill}): claim the pending flag, then collect. */
    public int collectViaPending() {
        return span.claimPending() ? RemoteFree.collect(span) : 0;
    }

    /**
     * Owner: takes block {@code i} out of the span again and marks it live, when it is the only
     * block the span holds (the one a collect gave back).
     */
    public void reallocateOnly(int i) {
        if (span.take(tmp, 0, 1) != 1 || tmp[0] != block(i)) {
            throw new IllegalStateException("block " + i + " is not the span's only block: " + span);
        }
        allocate(i);
    }

    /**
     * A remote free of block {@code i} as {@code Front.free} makes it: LIVE set and REMOTE clear
     * (plain reads) at the block's start, then {@link RemoteFree#pushLive} with no span, else the slow
     * path's {@link RemoteFree#push}. {@link RemoteFree#OK_AFTER_WAIT} is reported as {@link RemoteFree#OK}.
     */
    public int freeLikeFront(int i) {
        long a = block(i);
        long w = Shadow.word(a);
        long free = Shadow.get(w) & ~Shadow.get(w + 8);
        int r = ((free >>> (a >>> 3)) & 1) != 0 ? RemoteFree.pushLive(a, w) : RemoteFree.push(span, a);
        return r == RemoteFree.OK_AFTER_WAIT ? RemoteFree.OK : r;
    }

    /** Set-up: block {@code i} handed out, then queued by a remote free through {@link RemoteFree#push}. */
    public void queued(int i) {
        allocate(i);
        requireQueued(RemoteFree.push(span, block(i)), i);
    }

    /** Set-up: block {@code i} handed out, then queued as the free's fast path queues it ({@link #freeLikeFront}). */
    public void queuedLikeFront(int i) {
        allocate(i);
        requireQueued(freeLikeFront(i), i);
    }

    private void requireQueued(int pushed, int i) {
        if (pushed != RemoteFree.OK) {
            throw new IllegalStateException("set-up push of block " + i + " refused: " + pushed);
        }
    }

    /** Whether block {@code i} is LIVE. */
    public boolean live(int i) {
        long a = block(i);
        return (Shadow.getOpaque(Shadow.word(a)) & Shadow.bit(a)) != 0;
    }

    /** Number of REMOTE bits set over the fixture's blocks (queued frees nobody collected). */
    public int remoteBits() {
        int n = 0;
        for (int i = 0; i < BLOCKS; i += 64) {
            n += Long.bitCount(Shadow.getOpaque(Shadow.word(block(i)) + 8));
        }
        return n;
    }

    /** Number of LIVE bits set over the fixture's blocks. */
    public int liveBits() {
        int n = 0;
        for (int i = 0; i < BLOCKS; i += 64) {
            n += Long.bitCount(Shadow.getOpaque(Shadow.word(block(i))));
        }
        return n;
    }

    /** Blocks given back to the span (available there), i.e. collected, of the fixture's blocks. */
    public int availableBlocks() {
        int n = 0;
        for (int i = 0; i < BLOCKS; i++) {
            if (span.isAvailable(i)) {
                n++;
            }
        }
        return n;
    }

    /**
     * What a trial must leave behind: none. REMOTE bits left + LIVE bits left + 1 if the span's
     * accounting is off ({@link #accountingOk()}). Owner, after the trial's collects.
     */
    public int anomalies() {
        return remoteBits() + liveBits() + (accountingOk() ? 0 : 1);
    }

    /**
     * Consistency of the span's own bookkeeping: {@code used} must equal the blocks not given back
     * and {@code freeCount} the blocks given back (a block given back twice breaks both).
     */
    public boolean accountingOk() {
        int avail = availableBlocks();
        return span.freeCount == avail && span.used == BLOCKS - avail;
    }

    /**
     * Owner, after the trial: drops whatever is left (queued bits, live bits, flags), gives every
     * block back and takes them all out again, then returns the fixture to the pool.
     */
    public void recycle() {
        for (int i = 0; i < BLOCKS; i += 64) {
            long w = Shadow.word(block(i));
            Shadow.setVolatile(w + 8, 0);
            Shadow.set(w, 0);
        }
        span.clearPending();
        owner.takeHint();
        for (int i = 0; i < BLOCKS; i++) {
            if (!span.isAvailable(i)) {
                span.giveIndex(i);
            }
        }
        takeAll();
        POOL.offer(this);
    }

    private void takeAll() {
        int n = span.take(tmp, 0, BLOCKS);
        Arrays.sort(tmp);
        if (n != BLOCKS || tmp[0] != span.base || tmp[BLOCKS - 1] != block(BLOCKS - 1) || span.used != BLOCKS) {
            throw new IllegalStateException("fixture span lost track of its blocks: " + span);
        }
    }
}
