package dev.hakmem.bench.driver;

import dev.hakmem.bench.alloc.BlockTable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded last-in-first-out stack of batches (block tables) shared by producer and consumer
 * threads. Waits are bounded so that callers can notice a stop flag.
 */
final class BatchStack {

    private static final long WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final BlockTable[] items;
    private int size;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notFull = lock.newCondition();
    private final Condition notEmpty = lock.newCondition();

    BatchStack(int capacity) {
        items = new BlockTable[capacity];
    }

    /** Pushes {@code batch}, waiting a little while the stack is full; returns whether it was pushed. */
    boolean offer(BlockTable batch) throws InterruptedException {
        lock.lock();
        try {
            if (size == items.length) {
                notFull.awaitNanos(WAIT_NANOS);
                if (size == items.length) {
                    return false;
                }
            }
            items[size++] = batch;
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Pops the newest batch, waiting a little while the stack is empty; {@code null} if none came. */
    BlockTable poll() throws InterruptedException {
        lock.lock();
        try {
            if (size == 0) {
                notEmpty.awaitNanos(WAIT_NANOS);
            }
            return pop();
        } finally {
            lock.unlock();
        }
    }

    /** Pops the newest batch without waiting; {@code null} if empty. */
    BlockTable pollNow() {
        lock.lock();
        try {
            return pop();
        } finally {
            lock.unlock();
        }
    }

    /** Pops the newest batch, {@code null} if empty; the caller holds the lock. */
    private BlockTable pop() {
        if (size == 0) {
            return null;
        }
        BlockTable batch = items[--size];
        items[size] = null;
        notFull.signal();
        return batch;
    }
}
