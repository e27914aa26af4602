package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;

/**
 * Runs a test body on a new platform thread of its own, its heap's magazines emptied first (the
 * thread may adopt a dead thread's heap with blocks still in them), so that what a free puts in a
 * magazine is what the next allocation of its class takes; rethrows what the body threw.
 */
final class FreshThread {
    private FreshThread() {}

    interface Body {
        void run() throws Exception;
    }

    static void run(Body body) throws Exception {
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                Heaps.ofPlatformThread(Thread.currentThread());
                Hakmem.trim();
                body.run();
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        t.start();
        t.join();
        if (failure[0] instanceof Exception e) {
            throw e;
        }
        if (failure[0] instanceof Error e) {
            throw e;
        }
    }
}
