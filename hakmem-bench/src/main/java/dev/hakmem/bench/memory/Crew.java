package dev.hakmem.bench.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * A fixed set of platform threads that run a memory driver's work and stay alive afterwards, so
 * that a per-thread trim ({@code Hakmem.trim()}, {@code mi_collect}, Netty's thread cache) can
 * run on the very threads that allocated.
 */
final class Crew implements AutoCloseable {

    private static final Runnable STOP = () -> {};

    private final List<LinkedBlockingQueue<Runnable>> inboxes = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    /** Starts {@code size} threads named {@code name-0 ...}. */
    Crew(String name, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("a crew needs a thread, got " + size);
        }
        for (int i = 0; i < size; i++) {
            LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
            inboxes.add(inbox);
            threads.add(Thread.ofPlatform().name(name + "-" + i).daemon().start(() -> serve(inbox)));
        }
    }

    /** Number of threads. */
    int size() {
        return threads.size();
    }

    /**
     * Runs {@code task.accept(i)} on thread {@code i} of every thread at once and waits until all
     * are done. The first exception or error a task throws is rethrown here (an error as it is,
     * a checked exception wrapped in a {@link RuntimeException}) once every task has ended.
     */
    void runOnAll(IntConsumer task) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(threads.size());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < threads.size(); i++) {
            int index = i;
            inboxes.get(i).add(() -> {
                try {
                    task.accept(index);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        Throwable t = failure.get();
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new RuntimeException(t);
        }
    }

    /** Stops the threads once they have finished what they were given, and waits for them. */
    @Override
    public void close() throws InterruptedException {
        inboxes.forEach(q -> q.add(STOP));
        for (Thread t : threads) {
            t.join();
        }
    }

    private static void serve(LinkedBlockingQueue<Runnable> inbox) {
        try {
            for (Runnable r = inbox.take(); r != STOP; r = inbox.take()) {
                r.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
