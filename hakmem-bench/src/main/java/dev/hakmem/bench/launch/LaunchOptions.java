package dev.hakmem.bench.launch;

import dev.hakmem.bench.alloc.Allocators;
import dev.hakmem.bench.driver.Drivers;
import dev.hakmem.bench.driver.Params;
import dev.hakmem.bench.driver.ThreadKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The launcher's command line.
 *
 * @param cases         what to run, in order (empty for the warm-up and arrow suites, which have their own workloads)
 * @param allocators    which adapters, in order (arrow suite: its managers as given, empty for all)
 * @param runs          measured runs per (case, allocator); for the warm-up suite, fresh JVMs per variant
 * @param warmup        warm-up runs before them, in the same JVM
 * @param forks         fresh JVMs per (case, allocator), interleaved across allocators; the medians
 *                      are taken over the measured runs of all of them
 * @param out           output directory
 * @param suiteName     "quick", "full", "threads", "warmup", "arrow" or "custom (...)"
 * @param jvmArgs       extra options for every forked JVM
 * @param aotCache      the AOT cache forks use ({@code -XX:AOTCache}), or {@code null}; for the warm-up
 *                      suite, the cache of its {@code aot-cache} variant
 * @param warmupSeconds warm-up suite: seconds measured per JVM
 * @param windowMs      warm-up suite: window length, milliseconds
 * @param list          only list drivers, allocators and suites
 * @param help          only print the usage
 */
public record LaunchOptions(List<BenchCase> cases, List<String> allocators, int runs, int warmup, int forks, Path out,
                            String suiteName, List<String> jvmArgs, Path aotCache, double warmupSeconds,
                            int windowMs, boolean list, boolean help) {

    /** The usage text. */
    public static final String USAGE = """
            usage: Launcher [--quick | --full | --suite NAME] [--drivers a,b] [--allocators x,y] [--runs N]
                            [--warmup N] [--forks N] [--params DRIVER:P,P,.../P,P,...] [--threads platform|virtual|both]
                            [--out DIR] [--jvm-arg ARG] [--aot-cache FILE] [--list] [--help]

              --quick            the default: every driver once, scaled down to a few minutes in all
              --full             every case of benchmarks.md at its defaults (long: tens of minutes)
              --suite NAME       quick, full, threads, warmup, netty, memory or arrow:
                                   threads: larson, xmalloc (PAIRS 1 and 2), cache-scratch and requests on
                                            platform and virtual threads, hakmem and the native allocators,
                                            3 runs (about 5 minutes)
                                   warmup:  throughput per 10 ms window over the first 2 s of fresh JVMs
                                            (random-mixed 16-1024 B, WS 256, seed 42) for hakmem with and
                                            without the AOT cache and glibc; --runs JVMs per variant
                                            (default 5); writes warmup.csv, warmup.png, report.md
                                   netty:   a Netty HTTP/1.1 server on loopback, one JVM per allocator
                                            (hakmem-netty, netty-pooled, netty-adaptive, unpooled) and
                                            fork, loaded by wrk (installed if missing) with 256 B - 1 MiB
                                            responses; requests/s, latency, RSS (~4 min per fork;
                                            --seconds per measured run, default 10)
                                   memory:  fragmentation drivers (frag-refill, frag-phases, frag-remote,
                                            server-day): RSS over live bytes, after free-all, after trim,
                                            for hakmem, the native allocators and Netty's; one JVM per
                                            driver, allocator and fork (6-9 minutes per fork); writes
                                            results.csv, series.csv, report.md, one chart per driver
                                   arrow:   Apache Arrow vectors built, read and released with the hakmem,
                                            netty and unsafe allocation managers, one JVM each (a few
                                            minutes); --drivers picks its cases (--list names them),
                                            --allocators its managers (also null: the ceiling, a manager
                                            that does almost nothing, only when named); writes
                                            results.csv, report.md, charts
              --drivers a,b      only these drivers (names: %s)
              --allocators x,y   only these allocators, in this order (default: all of %s;
                                 hakmem and the native allocators for the threads suite,
                                 hakmem,glibc for the warmup suite)
              --runs N           measured runs per driver and allocator (default 3, at least 1)
              --warmup N         warm-up runs before them in the same JVM (default 1; they go on
                                 until 2 s of warm-up have passed and the last two agree)
              --forks N          fresh JVMs per driver and allocator, interleaved (default 1);
                                 medians over the runs of all of them, since one JVM's figures
                                 can sit 20 %% off the next one's (code and heap layout)
              --params D:P,...   replace driver D's cases with these parameters; '/' separates
                                 several cases, e.g. --params random-mixed:1000000,256,42/1000000,8192,42;
                                 repeatable; missing trailing parameters take the driver's defaults;
                                 a last value 'vt' runs a multi-threaded driver on virtual threads
              --threads K        thread kind of the multi-threaded drivers (larson, xmalloc, mid-mt,
                                 cache-scratch, alloc-test): platform (default), virtual, or both
                                 (each case twice; the default of --suite threads). Virtual cases
                                 carry the parameter suffix 'vt' in results.csv and the report
              --out DIR          output directory (default results/<timestamp>)
              --jvm-arg ARG      add ARG to every forked JVM (repeatable), e.g. --jvm-arg -Xmx4g
              --aot-cache FILE   run every fork with -XX:AOTCache=FILE -XX:AOTMode=on (a JDK 25 AOT
                                 cache, e.g. hakmem-bench/target/hakmem.aot from './hakmem train';
                                 a fork fails if the cache does not match its class path or JDK).
                                 For --suite warmup: the cache of the aot-cache variant (default
                                 hakmem.aot next to hakmem-bench.jar)
              --seconds S        warmup suite: seconds measured per JVM (default 2)
              --window-ms N      warmup suite: window length in milliseconds (default 10)
              --list             list drivers, allocators (with availability) and the suites
            """.formatted(String.join(", ", Drivers.names()), String.join(",", Allocators.NAMES));

    /** The suites {@code --suite} knows. */
    public static final List<String> SUITES = List.of("quick", "full", "threads", "warmup", "netty", "memory", "arrow");

    /**
     * Parses {@code args}.
     *
     * @throws IllegalArgumentException with a message for the user
     */
    public static LaunchOptions parse(String... args) {
        String suite = "quick";
        List<String> drivers = null;
        List<String> allocators = null;
        Integer runs = null;
        int warmup = 1;
        int forks = 1;
        Path out = null;
        Map<String, List<String>> params = new LinkedHashMap<>();
        List<String> jvmArgs = new ArrayList<>();
        String threads = null;
        Path aotCache = null;
        double seconds = 2.0;
        int windowMs = 10;
        boolean list = false;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick" -> suite = "quick";
                case "--full" -> suite = "full";
                case "--suite" -> {
                    suite = value(args, ++i, a);
                    if (!SUITES.contains(suite)) {
                        throw new IllegalArgumentException("unknown suite '" + suite + "'; known: " + SUITES);
                    }
                }
                case "--list" -> list = true;
                case "-h", "--help" -> help = true;
                case "--drivers" -> drivers = names(value(args, ++i, a));
                case "--allocators" -> allocators = names(value(args, ++i, a));
                case "--runs" -> runs = positive(value(args, ++i, a), a, 1);
                case "--warmup" -> warmup = positive(value(args, ++i, a), a, 0);
                case "--forks" -> forks = positive(value(args, ++i, a), a, 1);
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--jvm-arg" -> jvmArgs.add(value(args, ++i, a));
                case "--threads" -> {
                    threads = value(args, ++i, a);
                    if (!threads.equals("both")) {
                        ThreadKind.parse(threads);
                    }
                }
                case "--aot-cache" -> {
                    aotCache = Path.of(value(args, ++i, a));
                    if (!Files.isRegularFile(aotCache)) {
                        throw new IllegalArgumentException("--aot-cache: no file " + aotCache
                                + " (make one with './hakmem train' or scripts/aot-train.sh)");
                    }
                }
                case "--seconds" -> seconds = positiveDouble(value(args, ++i, a), a);
                case "--window-ms" -> windowMs = positive(value(args, ++i, a), a, 1);
                case "--params" -> {
                    String v = value(args, ++i, a);
                    int colon = v.indexOf(':');
                    if (colon <= 0) {
                        throw new IllegalArgumentException("--params wants DRIVER:P,P,..., got '" + v + "'");
                    }
                    String driver = v.substring(0, colon);
                    Drivers.byName(driver);
                    params.computeIfAbsent(driver, k -> new ArrayList<>())
                            .addAll(Arrays.asList(v.substring(colon + 1).split("/")));
                }
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        if (suite.equals("netty")) { // its own allocator names, checked by NettySuite; --seconds: per measured run
            return new LaunchOptions(List.of(), allocators == null ? List.of() : List.copyOf(allocators), 1, warmup, forks,
                    out == null ? Path.of("results", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))
                            : out, suite, List.copyOf(jvmArgs), aotCache, seconds, windowMs, list, help);
        }
        if (suite.equals("arrow")) { // its cases and managers have their own names, checked by ArrowSuite
            return new LaunchOptions(List.of(), allocators == null ? List.of() : List.copyOf(allocators),
                    runs == null ? 3 : runs, warmup, forks, out == null ? defaultOut() : out, suite, List.copyOf(jvmArgs),
                    aotCache, seconds, windowMs, list, help);
        }
        if (allocators == null) {
            allocators = switch (suite) {
                case "warmup" -> List.of("hakmem", "glibc");
                case "threads" -> List.of("hakmem", "glibc", "mimalloc", "jemalloc", "tcmalloc");
                case "memory" -> List.of("hakmem", "glibc", "mimalloc", "jemalloc", "tcmalloc", "netty-pooled", "netty-adaptive");
                default -> Allocators.NAMES;
            };
        }
        for (String name : allocators) {
            if (!Allocators.isKnown(name)) {
                throw new IllegalArgumentException("unknown allocator '" + name + "'; known: " + Allocators.NAMES + ", "
                        + Allocators.VARIANTS);
            }
        }
        if (drivers != null && !suite.equals("memory")) { // memory drivers: checked by dev.hakmem.bench.memory.MemorySuite
            drivers.forEach(Drivers::byName);
        }
        if (out == null) {
            out = defaultOut();
        }
        if (suite.equals("warmup")) {
            if (seconds * 1000 < 4 * windowMs) {
                throw new IllegalArgumentException("--seconds must cover at least 4 windows");
            }
            return new LaunchOptions(List.of(), List.copyOf(allocators), runs == null ? 5 : runs, warmup, 1, out, suite,
                    List.copyOf(jvmArgs), aotCache, seconds, windowMs, list, help);
        }
        if (suite.equals("memory")) { // its own drivers and workload, like warmup
            return new LaunchOptions(List.of(), List.copyOf(allocators), runs == null ? 1 : runs, warmup, forks, out, suite,
                    List.copyOf(jvmArgs), aotCache, seconds, windowMs, list, help);
        }
        List<BenchCase> base = switch (suite) {
            case "full" -> Suite.full();
            case "threads" -> Suite.threads();
            default -> Suite.quick();
        };
        List<BenchCase> cases = new ArrayList<>();
        List<String> order = drivers != null ? drivers : Drivers.names();
        for (String driver : order) {
            if (params.containsKey(driver)) {
                for (String p : params.get(driver)) {
                    cases.add(BenchCase.of(driver, p.replace(',', ' ')));
                }
            } else {
                List<BenchCase> inSuite = base.stream().filter(c -> c.driver().equals(driver)).toList();
                // a driver the suite does not run (large-churn), asked for by name: once, its defaults
                cases.addAll(inSuite.isEmpty() && drivers != null ? List.of(BenchCase.of(driver, "")) : inSuite);
            }
        }
        if (threads == null && suite.equals("threads")) {
            threads = "both";
        }
        if (threads != null) {
            cases = withThreads(cases, threads);
        }
        String suiteName = params.isEmpty() ? suite : "custom (" + suite + " with --params)";
        return new LaunchOptions(List.copyOf(cases), List.copyOf(allocators), runs == null ? 3 : runs, warmup, forks, out,
                suiteName, List.copyOf(jvmArgs), aotCache, seconds, windowMs, list, help);
    }

    private static Path defaultOut() {
        return Path.of("results", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    /** The options every fork of a driver gets: {@link #jvmArgs} and, with an AOT cache, its flags. */
    public List<String> forkJvmArgs() {
        List<String> all = new ArrayList<>(jvmArgs);
        if (aotCache != null) {
            all.addAll(aotFlags(aotCache));
        }
        return List.copyOf(all);
    }

    /** {@code -XX:AOTCache=FILE -XX:AOTMode=on}: use the cache, and fail rather than run without it. */
    public static List<String> aotFlags(Path cache) {
        return List.of("-XX:AOTCache=" + cache, "-XX:AOTMode=on");
    }

    /**
     * {@code cases} with each multi-threaded driver's case on the thread kinds of {@code mode}
     * ({@code platform}, {@code virtual} or {@code both}), duplicates dropped, order kept.
     */
    static List<BenchCase> withThreads(List<BenchCase> cases, String mode) {
        List<ThreadKind> kinds = mode.equals("both") ? List.of(ThreadKind.PLATFORM, ThreadKind.VIRTUAL)
                : List.of(ThreadKind.parse(mode));
        Set<BenchCase> out = new LinkedHashSet<>();
        for (BenchCase c : cases) {
            if (!Drivers.byName(c.driver()).multiThreaded()) {
                out.add(c);
                continue;
            }
            for (ThreadKind k : kinds) {
                out.add(BenchCase.of(c.driver(), Params.parse(c.params()).withThreads(k).toString()));
            }
        }
        return List.copyOf(out);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static List<String> names(String csv) {
        List<String> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            if (!s.isBlank() && !out.contains(s.trim())) {
                out.add(s.trim());
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("empty list '" + csv + "'");
        }
        return out;
    }

    private static int positive(String v, String option, int min) {
        try {
            int n = Integer.parseInt(v);
            if (n < min) {
                throw new IllegalArgumentException(option + " must be at least " + min);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " wants a number, got '" + v + "'");
        }
    }

    private static double positiveDouble(String v, String option) {
        try {
            double d = Double.parseDouble(v);
            if (!(d > 0) || Double.isInfinite(d)) {
                throw new IllegalArgumentException(option + " must be positive");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " wants a number, got '" + v + "'");
        }
    }
}
