package dev.hakmem.bench.launch;

import dev.hakmem.bench.alloc.Allocators;
import dev.hakmem.bench.driver.Drivers;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The launcher's command line.
 *
 * @param cases      what to run, in order
 * @param allocators which adapters, in order
 * @param runs       measured runs per (case, allocator)
 * @param warmup     warm-up runs before them, in the same JVM
 * @param out        output directory
 * @param suiteName  "quick", "full" or "custom"
 * @param jvmArgs    extra options for every forked JVM
 * @param list       only list drivers, allocators and suites
 * @param help       only print the usage
 */
public record LaunchOptions(List<BenchCase> cases, List<String> allocators, int runs, int warmup, Path out,
                            String suiteName, List<String> jvmArgs, boolean list, boolean help) {

    /** The usage text. */
    public static final String USAGE = """
            usage: Launcher [--quick | --full] [--drivers a,b] [--allocators x,y] [--runs N] [--warmup N]
                            [--params DRIVER:P,P,.../P,P,...] [--out DIR] [--jvm-arg ARG] [--list] [--help]

              --quick            the default: every driver once, scaled down to a few minutes in all
              --full             every case of benchmarks.md at its defaults (long: tens of minutes)
              --drivers a,b      only these drivers (names: %s)
              --allocators x,y   only these allocators, in this order (default: all of %s)
              --runs N           measured runs per driver and allocator (default 3, at least 1)
              --warmup N         warm-up runs before them in the same JVM (default 1)
              --params D:P,...   replace driver D's cases with these parameters; '/' separates
                                 several cases, e.g. --params random-mixed:1000000,256,42/1000000,8192,42;
                                 repeatable; missing trailing parameters take the driver's defaults
              --out DIR          output directory (default results/<timestamp>)
              --jvm-arg ARG      add ARG to every forked JVM (repeatable), e.g. --jvm-arg -Xmx4g
              --list             list drivers, allocators (with availability) and the suites
            """.formatted(String.join(", ", Drivers.names()), String.join(",", Allocators.NAMES));

    /**
     * Parses {@code args}.
     *
     * @throws IllegalArgumentException with a message for the user
     */
    public static LaunchOptions parse(String... args) {
        String suite = "quick";
        List<String> drivers = null;
        List<String> allocators = Allocators.NAMES;
        int runs = 3;
        int warmup = 1;
        Path out = null;
        Map<String, List<String>> params = new LinkedHashMap<>();
        List<String> jvmArgs = new ArrayList<>();
        boolean list = false;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick" -> suite = "quick";
                case "--full" -> suite = "full";
                case "--list" -> list = true;
                case "-h", "--help" -> help = true;
                case "--drivers" -> drivers = names(value(args, ++i, a));
                case "--allocators" -> allocators = names(value(args, ++i, a));
                case "--runs" -> runs = positive(value(args, ++i, a), a, 1);
                case "--warmup" -> warmup = positive(value(args, ++i, a), a, 0);
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--jvm-arg" -> jvmArgs.add(value(args, ++i, a));
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
        for (String name : allocators) {
            if (!Allocators.NAMES.contains(name)) {
                throw new IllegalArgumentException("unknown allocator '" + name + "'; known: " + Allocators.NAMES);
            }
        }
        if (drivers != null) {
            drivers.forEach(Drivers::byName);
        }
        List<BenchCase> base = suite.equals("full") ? Suite.full() : Suite.quick();
        List<BenchCase> cases = new ArrayList<>();
        List<String> order = drivers != null ? drivers : Drivers.names();
        for (String driver : order) {
            if (params.containsKey(driver)) {
                for (String p : params.get(driver)) {
                    cases.add(BenchCase.of(driver, p.replace(',', ' ')));
                }
            } else {
                base.stream().filter(c -> c.driver().equals(driver)).forEach(cases::add);
            }
        }
        String suiteName = params.isEmpty() ? suite : "custom (" + suite + " with --params)";
        if (out == null) {
            out = Path.of("results", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        return new LaunchOptions(List.copyOf(cases), List.copyOf(allocators), runs, warmup, out, suiteName,
                List.copyOf(jvmArgs), list, help);
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
}
