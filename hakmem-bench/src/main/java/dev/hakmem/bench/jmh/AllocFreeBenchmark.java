package dev.hakmem.bench.jmh;

import dev.hakmem.bench.alloc.NativeHeap;
import dev.hakmem.bench.driver.Memory;
import dev.hakmem.bench.driver.Xorshift64Star;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One allocate + write first byte + free pair per invocation, for hakmem and glibc (through
 * FFM), at 16, 64 and 256 B and at random sizes of 16-1024 B. The random sizes come from a
 * table of 4096 xorshift64* draws made in setup, so the measured loop draws nothing; the
 * fixed sizes go through the same table so both kinds run the same code.
 *
 * <p>Not final: JMH generates subclasses of benchmark classes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class AllocFreeBenchmark {

    private static final int SIZES = 4096;

    /** The allocator under test. */
    @Param({"hakmem", "glibc"})
    public String allocator;

    /** A fixed size in bytes, or {@code 16-1024} for random sizes in that range. */
    @Param({"16", "64", "256", "16-1024"})
    public String size;

    private NativeHeap heap;
    private final long[] sizes = new long[SIZES];
    private int next;

    @Setup
    public void setup() {
        heap = JmhHeaps.byName(allocator);
        int dash = size.indexOf('-');
        Xorshift64Star rng = new Xorshift64Star(42);
        for (int i = 0; i < SIZES; i++) {
            sizes[i] = dash < 0 ? Long.parseLong(size)
                    : Xorshift64Star.size(rng.next(), Long.parseLong(size.substring(0, dash)),
                            Long.parseLong(size.substring(dash + 1)));
        }
    }

    /** malloc, write the first byte, free. */
    @Benchmark
    public long allocFree() {
        long n = sizes[next++ & (SIZES - 1)];
        long address = heap.malloc(n);
        Memory.writeByte(address, (byte) n);
        heap.free(address);
        return address;
    }
}
