package dev.hakmem.bench;

import dev.hakmem.bench.alloc.Allocator;
import dev.hakmem.bench.alloc.Allocators;
import dev.hakmem.bench.driver.Driver;
import dev.hakmem.bench.driver.Drivers;
import dev.hakmem.bench.driver.Measurement;
import dev.hakmem.bench.driver.Params;
import dev.hakmem.bench.driver.PeakProbe;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The AOT-cache training run: the five workloads of hakmem's C PGO build, seed 42, in one JVM,
 * each for a bounded time, on hakmem. Started with {@code -XX:AOTCacheOutput=FILE} (JDK 25, JEP
 * 514), the JVM records the classes it loads and links and the methods' profiles (JEP 515) while
 * this runs, and at exit writes the AOT cache FILE; later JVMs started with
 * {@code -XX:AOTCache=FILE} begin with those classes loaded and linked and those profiles in hand.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -XX:AOTCacheOutput=hakmem-bench/target/hakmem.aot \
 *     -cp 'hakmem-bench/target/hakmem-bench.jar:hakmem-bench/target/lib/*' dev.hakmem.bench.Train [--seconds S] [--allocator A]
 * </pre>
 *
 * Workloads: random-mixed with WS 128, 256 and 512 (16-1024 B), tiny-hot with 16 B and 64 B
 * blocks (batch 100). Each runs in slices of 200,000 operations until {@code --seconds}
 * (default 2) have passed, so the whole training takes about five times that, plus the cache's
 * assembly at exit.
 */
public final class Train {

    /** The training workloads: driver and the parameters of one slice. */
    static final List<String[]> WORKLOADS = List.of(
            new String[] {"random-mixed", "200000 128 42 16 1024"},
            new String[] {"random-mixed", "200000 256 42 16 1024"},
            new String[] {"random-mixed", "200000 512 42 16 1024"},
            new String[] {"tiny-hot", "16 100 1000"},
            new String[] {"tiny-hot", "64 100 1000"});

    private Train() {}

    public static void main(String[] args) throws InterruptedException {
        double seconds = 2.0;
        String allocatorName = "hakmem";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--allocator" -> allocatorName = args[++i];
                case "-h", "--help" -> {
                    System.out.println("usage: Train [--seconds S per workload, default 2] [--allocator NAME, default hakmem]");
                    return;
                }
                default -> {
                    System.err.println("error: unknown option '" + args[i] + "'");
                    System.exit(2);
                }
            }
        }
        Allocator allocator = Allocators.create(allocatorName);
        for (String line : train(allocator, seconds)) {
            System.out.println(line);
        }
        System.out.println("training done; a JVM started with -XX:AOTCacheOutput=FILE now writes the AOT cache");
    }

    /** Runs every workload for about {@code seconds}; returns one line per workload. */
    static List<String> train(Allocator allocator, double seconds) throws InterruptedException {
        List<String> lines = new ArrayList<>();
        for (String[] w : WORKLOADS) {
            Driver driver = Drivers.byName(w[0]);
            Params params = driver.complete(Params.parse(w[1]));
            long deadline = System.nanoTime() + (long) (seconds * 1e9);
            long ops = 0;
            long nanos = 0;
            int slices = 0;
            do {
                Measurement m = driver.run(allocator, params, new PeakProbe());
                ops += m.ops();
                nanos += m.nanos();
                slices++;
            } while (System.nanoTime() < deadline);
            lines.add(String.format(Locale.ROOT, "train %-13s [%s] on %s: %d slice(s), %d ops, %.2f Mops/s",
                    w[0], params, allocator.name(), slices, ops, ops * 1e3 / nanos));
        }
        return lines;
    }
}
