package dev.hakmem.internal.slab;

/**
 * Whoever may carve blocks from a slab and free into it without atomics: a thread heap. The
 * front end's {@code Heap} extends this; the slab layer only needs to know who holds the heap
 * right now and how to tell it that remote frees are waiting.
 */
public abstract class SlabOwner {
    /**
     * The thread allowed to use this owner's slabs right now, or {@code null}. A platform
     * thread's heap keeps its thread for life; a shared heap names the thread that has claimed
     * it, for the duration of the claim. Only the holder writes it (or, for a dead holder, the
     * thread adopting the heap under the heap registry's lock).
     */
    public Thread thread;

    /**
     * The platform thread that owns this heap for life, or {@code null} (shared heap). Copied
     * into {@link Slab#ownerThread} of every span it owns.
     */
    public Thread platformThread;

    /** Set to 1 by remote freers when one of this owner's slabs received its first remote free. */
    public volatile int remoteHint;
}
