package dev.hakmem.bench.jmh;

import dev.hakmem.bench.alloc.NativeHeap;
import dev.hakmem.bench.driver.Memory;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cross-thread frees: in each group one thread allocates 64-byte blocks (writing the first byte)
 * and passes them through a bounded SPSC queue to a second thread, which frees them: every free
 * is a cross-thread free. Neither thread ever blocks (JMH stops group threads one by one): a
 * producer that finds the queue full keeps its block and offers it again on its next call, and
 * a consumer that finds the queue empty spins once. Calls that only spun are counted in the
 * scores, so read the {@code remoteFrees} line: cross-thread frees per microsecond.
 *
 * <p>Not final: JMH generates subclasses of benchmark classes.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class CrossThreadFreeBenchmark {

    private static final long SIZE = 64;

    /** Shared by the two threads of a group. */
    @State(Scope.Group)
    public static class Channel {
        /** The allocator under test. */
        @Param({"hakmem", "glibc"})
        public String allocator;

        NativeHeap heap;
        SpscLongQueue queue;
        /** A block the producer could not queue yet (touched by the producer only), or 0. */
        long pending;

        @Setup(Level.Trial)
        public void setup() {
            heap = JmhHeaps.byName(allocator);
            queue = new SpscLongQueue(1024);
        }

        /** Frees what is still queued, so no iteration leaks into the next. */
        @TearDown(Level.Iteration)
        public void drain() {
            for (long a; (a = queue.poll()) != 0; ) {
                heap.free(a);
            }
            if (pending != 0) {
                heap.free(pending);
                pending = 0;
            }
        }
    }

    /** Per-thread event counts reported next to the score. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Frees {
        /** Blocks freed by the consuming thread. */
        public long remoteFrees;

        @Setup(Level.Iteration)
        public void reset() {
            remoteFrees = 0;
        }
    }

    /** Allocates a block and hands it to the consumer. */
    @Benchmark
    @Group("crossThread")
    @GroupThreads(1)
    public void produce(Channel channel) {
        long address = channel.pending;
        if (address == 0) {
            address = channel.heap.malloc(SIZE);
            Memory.writeByte(address, (byte) 1);
        }
        if (channel.queue.offer(address)) {
            channel.pending = 0;
        } else {
            channel.pending = address;
            Thread.onSpinWait();
        }
    }

    /** Frees a block the producer allocated. */
    @Benchmark
    @Group("crossThread")
    @GroupThreads(1)
    public void consume(Channel channel, Frees frees) {
        long address = channel.queue.poll();
        if (address != 0) {
            channel.heap.free(address);
            frees.remoteFrees++;
        } else {
            Thread.onSpinWait();
        }
    }
}
