package dev.hakmem.bench;

import dev.hakmem.bench.launch.Fork;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Two builds of hakmem side by side in one JVM, for A/B measurements of a change: each build's
 * {@code hakmem-bench} jar and libraries in a class loader of its own (so two allocators, each with
 * its own reservation and statics), {@link DriverMain} run in each in turn, the order swapped every
 * round; prints each round's throughputs (the median of its measured runs) and the median ratio.
 *
 * <pre>
 * ./hakmem java dev.hakmem.bench.SideBySide TREE_A TREE_B ROUNDS DRIVER ALLOCATOR [PARAM...] [DriverMain options]
 * ./hakmem java dev.hakmem.bench.SideBySide /tmp/before . 8 xmalloc hakmem 2 1 64 vt --runs 3 --warmup-ms 500
 * </pre>
 *
 * Each tree is a checkout built with {@code ./hakmem build} ({@code git worktree add /tmp/before
 * HEAD~1} for the commit before). Why in one JVM: on the shared 2-vCPU machines these suites run
 * on, the host's speed drifts by 30-100 % within minutes, so alternating JVMs read 1.135 for a
 * build against itself (requests on virtual threads, 5 rounds each); in one JVM both builds ride
 * the same drift. What it cannot show: JIT and GC interplay between the builds (each round's
 * warm-up compiles its own copy of the code), and the first-loaded build tends to run a few
 * percent faster, which the swapped order evens out over an even number of rounds. Not a test:
 * figures go in notes and docs/results.
 */
public final class SideBySide {
    private SideBySide() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: SideBySide TREE_A TREE_B ROUNDS DRIVER ALLOCATOR [PARAM...] [DriverMain options]");
            System.exit(2);
        }
        ClassLoader a = loader(Path.of(args[0]));
        ClassLoader b = loader(Path.of(args[1]));
        int rounds = Integer.parseInt(args[2]);
        String[] driverArgs = Arrays.copyOfRange(args, 3, args.length);
        List<Double> ratios = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            double x;
            double y;
            if (r % 2 == 0) {
                x = run(a, driverArgs);
                y = run(b, driverArgs);
            } else {
                y = run(b, driverArgs);
                x = run(a, driverArgs);
            }
            ratios.add(y / x);
            System.out.printf("round %d: A %.2f B %.2f Mops/s, B/A %.3f%n", r + 1, x, y, y / x);
        }
        Collections.sort(ratios);
        System.out.printf("B/A median %.3f over %d rounds (min %.3f, max %.3f): %s%n",
                ratios.get(ratios.size() / 2), rounds, ratios.getFirst(), ratios.getLast(), String.join(" ", driverArgs));
    }

    private static ClassLoader loader(Path tree) throws IOException {
        List<URL> urls = new ArrayList<>();
        Path jar = tree.resolve("hakmem-bench/target/hakmem-bench.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(jar + " not found: build that tree first (./hakmem build)");
        }
        urls.add(jar.toUri().toURL());
        try (DirectoryStream<Path> libs = Files.newDirectoryStream(tree.resolve("hakmem-bench/target/lib"), "*.jar")) {
            for (Path p : libs) {
                urls.add(p.toUri().toURL());
            }
        }
        return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
    }

    /** Runs DriverMain in loader {@code l}; returns the median throughput of its measured runs (Mops/s). */
    private static double run(ClassLoader l, String[] args) throws Exception {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        Thread.currentThread().setContextClassLoader(l);
        try {
            l.loadClass(DriverMain.class.getName()).getMethod("main", String[].class).invoke(null, (Object) args);
        } finally {
            System.setOut(out);
        }
        List<Double> mops = new ArrayList<>();
        for (String line : captured.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith(DriverMain.RESULT + "\t")) {
                mops.add(Fork.parse(line).opsPerSec() / 1e6);
            }
        }
        if (mops.isEmpty()) {
            throw new IllegalStateException("no result from " + String.join(" ", args) + ":\n" + captured);
        }
        Collections.sort(mops);
        return mops.get(mops.size() / 2);
    }
}
