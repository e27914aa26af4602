package dev.hakmem.testing;

import java.util.concurrent.atomic.AtomicReference;

/** Runs test code on a new platform thread: a heap of its own, or a thread other than the block's owner. */
public final class OtherThread {
    private OtherThread() {}

    /** Runs {@code r} on a new platform thread, waits for it, and returns what it threw, or {@code null}. */
    public static Throwable run(Runnable r) throws InterruptedException {
        return run("other-thread", 0, r);
    }

    /**
     * Runs {@code r} on a new platform thread named {@code name}, waits for it up to
     * {@code timeoutMillis} (0: for as long as it takes), and returns what it threw, or {@code null}.
     *
     * @throws AssertionError if it is still running then (it hung)
     */
    public static Throwable run(String name, long timeoutMillis, Runnable r) throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                r.run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        }, name);
        t.start();
        t.join(timeoutMillis);
        if (t.isAlive()) {
            throw new AssertionError(name + " hung");
        }
        return thrown.get();
    }
}
