package dev.hakmem.bench.launch;

import java.util.ArrayList;
import java.util.List;

/**
 * The launcher's built-in sets of cases.
 *
 * <p>QUICK covers every driver once, scaled to a few minutes for all nine allocators on two
 * cores: mid-mt at 2,000,000 cycles per thread instead of 4,000,000, larson and xmalloc for
 * 1 s instead of 5, cache-scratch with REPS 50,000 instead of 200,000, alloc-test with 2 threads at
 * 5,000,000 ops each instead of 20,000,000. random-mixed, tiny-hot and glibc-simple keep their
 * defaults.
 *
 * <p>FULL is benchmarks.md as written: random-mixed at WS 256, 128, 512, 8192 and 131072,
 * tiny-hot at 16 and 64 B, mid-mt, larson, xmalloc and cache-scratch with their defaults,
 * glibc-simple for sizes 16/32/64 x N 25/100/400/1600, alloc-test with 1 and 2 threads.
 *
 * <p>THREADS compares platform with virtual threads on the drivers whose threads hand blocks to
 * each other: larson, xmalloc with 1 and 2 pairs (1 s each), cache-scratch at the quick suite's
 * size, and requests (thread-per-request, 64 in flight, 16 blocks of 64 B - 4 KiB, 8 rounds, 1 s),
 * each on platform threads and again on virtual ones (suffix {@code vt}).
 */
public final class Suite {

    private Suite() {}

    /** The quick suite. */
    public static List<BenchCase> quick() {
        return List.of(
                BenchCase.of("random-mixed", "10000000 256 42 16 1024"),
                BenchCase.of("tiny-hot", "16 100 60000"),
                BenchCase.of("mid-mt", "2 2000000 256"),
                BenchCase.of("larson", "2 1 1000 10000 8 1000"),
                BenchCase.of("xmalloc", "1 1 64"),
                BenchCase.of("cache-scratch", "2 1000 50000"),
                BenchCase.of("glibc-simple", "64 100"),
                BenchCase.of("alloc-test", "2 5000000"));
    }

    /** The platform-versus-virtual-threads suite: each case on platform, then on virtual threads. */
    public static List<BenchCase> threads() {
        List<BenchCase> cases = new ArrayList<>();
        for (String[] c : new String[][] {{"larson", "2 1 1000 10000 8 1000"}, {"xmalloc", "1 1 64"},
                {"xmalloc", "2 1 64"}, {"cache-scratch", "2 1000 50000"}, {"requests", "64 1 16 8 64 4096"}}) {
            cases.add(BenchCase.of(c[0], c[1]));
            cases.add(BenchCase.of(c[0], c[1] + " vt"));
        }
        return List.copyOf(cases);
    }

    /** The full suite of benchmarks.md. */
    public static List<BenchCase> full() {
        List<BenchCase> cases = new ArrayList<>();
        for (String ws : List.of("256", "128", "512", "8192", "131072")) {
            cases.add(BenchCase.of("random-mixed", "10000000 " + ws + " 42 16 1024"));
        }
        cases.add(BenchCase.of("tiny-hot", "16 100 60000"));
        cases.add(BenchCase.of("tiny-hot", "64 100 60000"));
        cases.add(BenchCase.of("mid-mt", "2 4000000 256"));
        cases.add(BenchCase.of("larson", "2 5 1000 10000 8 1000"));
        cases.add(BenchCase.of("xmalloc", "1 5 64"));
        cases.add(BenchCase.of("cache-scratch", "2 1000 200000"));
        for (String size : List.of("16", "32", "64")) {
            for (String n : List.of("25", "100", "400", "1600")) {
                cases.add(BenchCase.of("glibc-simple", size + " " + n));
            }
        }
        cases.add(BenchCase.of("alloc-test", "1 20000000"));
        cases.add(BenchCase.of("alloc-test", "2 20000000"));
        return List.copyOf(cases);
    }
}
