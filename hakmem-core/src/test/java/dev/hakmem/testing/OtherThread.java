package dev.hakmem.testing;

import java.util.concurrent.atomic.AtomicReference;

/** Runs test code on a new platform thread: a heap of its own, or a thread other than the block's owner. */
public final class OtherThread {
    private OtherThread() {}

    /** Runs {@code r} on a new platform thread, waits for it, and returns what it threw, or {@code null}. */
    public static Throwable run(Runnable r) throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                r.run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.start();
        t.join();
        return thrown.get();
    }
}
