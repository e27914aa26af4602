package dev.hakmem.bench.alloc;

/**
 * An allocator's own call that gives free memory back to the OS now ({@link Allocator#trim()}).
 *
 * @param call      what is called, for reports, e.g. {@code malloc_trim(0)}
 * @param perThread whether the call reaches only the calling thread's caches (besides what is
 *                  shared), so that a caller who wants everything back runs it on every thread
 *                  that allocated
 * @param action    makes the call; throws {@link IllegalStateException} if the allocator reports
 *                  a failure
 */
public record Trim(String call, boolean perThread, Runnable action) {

    /** Makes the call on the calling thread. */
    public void run() {
        action.run();
    }
}
