package dev.hakmem.bench.jmh;

import dev.hakmem.HakmemArena;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
 * The arena pattern: open an arena, allocate {@code count} small segments (16-256 B, touching
 * each), close it. {@link HakmemArena} against the JDK's arenas, confined and shared; the score
 * is the time of one whole open-allocate-close cycle.
 *
 * <p>Not final: JMH generates subclasses of benchmark classes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class ArenaBench {

    /** Which arena. */
    @Param({"hakmem-confined", "jdk-confined", "hakmem-shared", "jdk-shared"})
    public String arena;

    /** Segments allocated per arena. */
    @Param({"10", "100", "1000"})
    public int count;

    private Supplier<Arena> factory;
    private long[] sizes;

    @Setup
    public void setup() {
        factory = switch (arena) {
            case "hakmem-confined" -> HakmemArena::ofConfined;
            case "jdk-confined" -> Arena::ofConfined;
            case "hakmem-shared" -> HakmemArena::ofShared;
            case "jdk-shared" -> Arena::ofShared;
            default -> throw new IllegalArgumentException("unknown arena " + arena);
        };
        Random r = new Random(42);
        sizes = new long[count];
        for (int i = 0; i < count; i++) {
            sizes[i] = 16 + r.nextInt(241);
        }
    }

    /** Open, allocate {@code count} segments writing a byte into each, close. */
    @Benchmark
    public long allocateAndClose() {
        long sum = 0;
        long[] sizes = this.sizes;
        try (Arena a = factory.get()) {
            for (int i = 0; i < sizes.length; i++) {
                MemorySegment s = a.allocate(sizes[i]);
                s.set(ValueLayout.JAVA_BYTE, 0, (byte) i);
                sum += s.address();
            }
        }
        return sum;
    }
}
