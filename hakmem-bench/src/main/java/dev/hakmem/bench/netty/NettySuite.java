package dev.hakmem.bench.netty;

import dev.hakmem.bench.launch.LaunchOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code Launcher --suite netty}: a real HTTP/1.1 server benchmark. For every allocator (default
 * {@link HttpServerMain#ALLOCATORS}) and fork, one server JVM ({@link HttpServerMain}, Netty's
 * HTTP codec on NIO, loopback only) is driven by {@code wrk} with {@value #CONNECTIONS_DEFAULT}
 * connections, one response size after the other (a warm-up, then a measured run of
 * {@code --seconds}, default {@value #SECONDS_DEFAULT} s, each), while its resident memory is
 * sampled from {@code /proc}; after the last size the load stops and the server idles
 * {@code hakmem.bench.netty.idleSeconds} before its RSS is taken again. Forks run interleaved
 * (fork 1 of every allocator, then fork 2, ...).
 *
 * <p>Every server JVM gets the same flags: a fixed, pre-touched heap ({@code -Xms = -Xmx =}
 * {@code hakmem.bench.netty.heap}, {@code -XX:+AlwaysPreTouch}), so differences in RSS are
 * native memory and not heap growth, {@code -XX:MaxDirectMemorySize=4g} (Netty's pools count
 * against it), {@code --sun-misc-unsafe-memory-access=allow}, leak detection disabled, and any
 * {@code --jvm-arg}.
 *
 * <p>Settings besides the launcher's options ({@code --allocators}, {@code --forks},
 * {@code --seconds}, {@code --out}, {@code --jvm-arg}), each a system property of the launcher
 * JVM read once: {@code hakmem.bench.netty.sizes} (bytes, comma-separated; default
 * {@value #SIZES_DEFAULT}), {@code .connections}, {@code .wrkThreads} (2), {@code .serverThreads}
 * (2), {@code .warmupSeconds} (3), {@code .idleSeconds} (5), {@code .heap} (256m).
 *
 * <p>Output in the launcher's output folder: {@code results.csv} (per cell and fork),
 * {@code memory.csv} (per JVM), {@code rss.csv} (RSS samples over time), {@code report.md}
 * (medians over forks, ratios, memory), {@code requests.png}, {@code latency-p99.png},
 * {@code rss.png}, {@code memory.png}, and {@code logs/} (server and wrk output).
 */
public final class NettySuite {

    static final String SIZES_DEFAULT = "256,4096,65536,1048576";
    static final int CONNECTIONS_DEFAULT = 32;
    static final double SECONDS_DEFAULT = 10;

    static final List<Integer> SIZES = sizes(System.getProperty("hakmem.bench.netty.sizes", SIZES_DEFAULT));
    static final int CONNECTIONS = Integer.getInteger("hakmem.bench.netty.connections", CONNECTIONS_DEFAULT);
    static final int WRK_THREADS = Integer.getInteger("hakmem.bench.netty.wrkThreads", 2);
    static final int SERVER_THREADS = Integer.getInteger("hakmem.bench.netty.serverThreads", 2);
    static final double WARMUP_SECONDS = Double.parseDouble(System.getProperty("hakmem.bench.netty.warmupSeconds", "3"));
    static final double IDLE_SECONDS = Double.parseDouble(System.getProperty("hakmem.bench.netty.idleSeconds", "5"));
    static final String HEAP = System.getProperty("hakmem.bench.netty.heap", "256m");
    /** RSS sampling period. */
    static final long SAMPLE_MS = 250;

    private NettySuite() {}

    /** One measured run: an allocator, a fork, a response size. */
    public record Cell(String allocator, int fork, int size, WrkResult wrk) {}

    /** One RSS sample of a server JVM: seconds since it was ready, KiB, what it was doing. */
    public record Sample(double seconds, long rssKiB, String phase) {}

    /** One server JVM: its RSS when ready, at its peak (VmHWM) and {@link #IDLE_SECONDS} after the load. */
    public record Jvm(String allocator, int fork, long readyKiB, long peakKiB, long afterKiB, List<Sample> samples,
                      String error) {}

    static List<Integer> sizes(String csv) {
        List<Integer> list = new ArrayList<>();
        for (String s : csv.split(",")) {
            int n = Integer.parseInt(s.trim());
            if (n < 0 || n > HttpServerMain.MAX_BYTES) {
                throw new IllegalArgumentException("hakmem.bench.netty.sizes: " + n + " is not in 0.."
                        + HttpServerMain.MAX_BYTES);
            }
            list.add(n);
        }
        return List.copyOf(list);
    }

    /** Runs the suite; returns the exit status (0 also when it is skipped for want of wrk). */
    public static int run(LaunchOptions options, String[] args) throws IOException, InterruptedException {
        List<String> allocators = new ArrayList<>();
        for (String a : options.allocators().isEmpty() ? HttpServerMain.ALLOCATORS : options.allocators()) {
            if (!HttpServerMain.ALLOCATORS.contains(a)) {
                System.err.println("error: the netty suite runs " + HttpServerMain.ALLOCATORS + ", not '" + a + "'");
                return 2;
            }
            allocators.add(a);
        }
        double seconds = Arrays.asList(args).contains("--seconds") ? options.warmupSeconds() : SECONDS_DEFAULT;
        Optional<Path> wrk = findWrk();
        if (wrk.isEmpty()) {
            System.out.println("netty suite skipped: wrk (Debian package 'wrk') is not installed and could not be;"
                    + " install it (hakmem-bench/scripts/install-wrk.sh does as root) and run again");
            return 0;
        }
        Path out = options.out();
        Path logs = out.resolve("logs");
        Files.createDirectories(logs);
        int forks = options.forks();
        int wrkSeconds = (int) Math.max(1, Math.round(seconds));
        int warmSeconds = (int) Math.max(1, Math.round(WARMUP_SECONDS));
        double perJvm = 4 + SIZES.size() * (warmSeconds + wrkSeconds + 1.0) + IDLE_SECONDS;
        System.out.printf(Locale.ROOT, "hakmem bench, netty suite: %d allocator(s) x %d fork(s) = %d server JVMs, sizes %s,"
                        + " %d connections, %d s warm-up + %d s measured per size, %.0f s idle after; ~%s; output %s%n",
                allocators.size(), forks, allocators.size() * forks, SIZES, CONNECTIONS, warmSeconds, wrkSeconds,
                IDLE_SECONDS, clock(perJvm * allocators.size() * forks), out);
        long start = System.nanoTime();
        List<Cell> cells = new ArrayList<>();
        List<Jvm> jvms = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        int step = 0;
        for (int f = 1; f <= forks; f++) {
            for (String a : allocators) {
                step++;
                Jvm jvm = runJvm(wrk.get(), a, f, options.jvmArgs(), wrkSeconds, warmSeconds, logs, cells);
                jvms.add(jvm);
                double elapsed = (System.nanoTime() - start) / 1e9;
                String line = String.format(Locale.ROOT, "[%d/%d] %-15s fork %d  %s  RSS peak %.1f MiB, %.0f s after load %.1f MiB | elapsed %s, ~%s left",
                        step, allocators.size() * forks, a, f, summary(cells, a, f), jvm.peakKiB() / 1024.0,
                        IDLE_SECONDS, jvm.afterKiB() / 1024.0, clock(elapsed),
                        clock(elapsed / step * (allocators.size() * forks - step)));
                System.out.println(jvm.error() == null ? line : line + "  FAILED: " + jvm.error());
                if (jvm.error() != null) {
                    errors.add(a + " fork " + f + ": " + jvm.error());
                }
            }
        }
        String settings = String.format(Locale.ROOT, "%d fork(s) per allocator; wrk -t%d -c%d, %d s warm-up and %d s measured"
                        + " per size; server: %d NIO I/O threads, -Xms%s -Xmx%s -XX:+AlwaysPreTouch%s; wall time %s",
                forks, WRK_THREADS, CONNECTIONS, warmSeconds, wrkSeconds, SERVER_THREADS, HEAP, HEAP,
                options.jvmArgs().isEmpty() ? "" : " " + String.join(" ", options.jvmArgs()),
                clock((System.nanoTime() - start) / 1e9));
        NettyReport.write(out, allocators, SIZES, cells, jvms, errors, settings, IDLE_SECONDS);
        System.out.println();
        System.out.print(NettyReport.table(allocators, SIZES, cells, jvms));
        System.out.println("wrote results.csv, memory.csv, rss.csv, report.md and 4 charts in " + out);
        return errors.isEmpty() ? 0 : 1;
    }

    private static String summary(List<Cell> cells, String a, int f) {
        StringBuilder sb = new StringBuilder();
        for (Cell c : cells) {
            if (c.allocator().equals(a) && c.fork() == f) {
                sb.append(String.format(Locale.ROOT, "%s %.0f/s  ", NettyReport.sizeLabel(c.size()), c.wrk().requestsPerSec()));
            }
        }
        return sb.toString().strip();
    }

    /** wrk on the PATH, installing it first with the project's script when it is missing. */
    static Optional<Path> findWrk() throws InterruptedException {
        Optional<Path> wrk = onPath("wrk");
        if (wrk.isPresent()) {
            return wrk;
        }
        for (Path script : List.of(Path.of("hakmem-bench", "scripts", "install-wrk.sh"), Path.of("scripts", "install-wrk.sh"))) {
            if (Files.isRegularFile(script)) {
                try {
                    Process p = new ProcessBuilder("bash", script.toString()).inheritIO().start();
                    p.waitFor(300, TimeUnit.SECONDS);
                } catch (IOException e) {
                    System.out.println("note: could not run " + script + ": " + e.getMessage());
                }
                break;
            }
        }
        return onPath("wrk");
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The command line of a server JVM. */
    static List<String> serverCommand(String allocator, List<String> jvmArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        // as the README sets up a hakmem JVM (unchecked magazines, one-object NIO views); Netty
        // itself does not use the package, so every allocator's server gets it
        cmd.add("--add-exports=java.base/jdk.internal.access=ALL-UNNAMED");
        cmd.add("-Xms" + HEAP);
        cmd.add("-Xmx" + HEAP);
        cmd.add("-XX:+AlwaysPreTouch");
        cmd.add("-XX:MaxDirectMemorySize=4g");
        cmd.add("--sun-misc-unsafe-memory-access=allow");
        cmd.add("-Dio.netty.leakDetection.level=disabled");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(HttpServerMain.class.getName());
        cmd.add(allocator);
        cmd.add("0");
        cmd.add(Integer.toString(SERVER_THREADS));
        return cmd;
    }

    /** Starts, loads, samples and stops one server JVM; adds its measured cells to {@code cells}. */
    private static Jvm runJvm(Path wrk, String allocator, int fork, List<String> jvmArgs, int wrkSeconds, int warmSeconds,
                              Path logs, List<Cell> cells) throws IOException, InterruptedException {
        String tag = allocator + "-fork" + fork;
        Path serverLog = logs.resolve("server-" + tag + ".log");
        List<String> cmd = serverCommand(allocator, jvmArgs);
        Files.writeString(serverLog, "# " + String.join(" ", cmd) + "\n");
        Process server = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.PIPE).start();
        BufferedReader stdout = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
        String[] phase = {"ready"};
        long[] ready = {0, 0};
        Thread sampler = null;
        try {
            CompletableFuture<String> readyLine = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String line; (line = stdout.readLine()) != null; ) {
                        Files.writeString(serverLog, line + "\n", java.nio.file.StandardOpenOption.APPEND);
                        if (line.startsWith("READY ")) {
                            return line;
                        }
                    }
                    return null;
                } catch (IOException e) {
                    return null;
                }
            });
            String line;
            try {
                line = readyLine.get(60, TimeUnit.SECONDS);
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                line = null;
            }
            if (line == null) {
                return new Jvm(allocator, fork, 0, 0, 0, List.of(), "the server did not start (see " + serverLog + ")");
            }
            Thread.ofPlatform().daemon().start(() -> drain(stdout, serverLog));
            String[] parts = line.split(" ");
            int port = Integer.parseInt(parts[1]);
            long pid = server.pid();
            long t0 = System.nanoTime();
            ready[0] = ProcMemory.of(pid).rssKiB();
            sampler = Thread.ofPlatform().daemon().name("rss-sampler").start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        long rss = ProcMemory.of(pid).rssKiB();
                        samples.add(new Sample((System.nanoTime() - t0) / 1e9, rss, phase[0]));
                        Thread.sleep(SAMPLE_MS);
                    } catch (InterruptedException e) {
                        return;
                    } catch (IOException | RuntimeException e) {
                        return; // the server has ended
                    }
                }
            });
            for (int size : SIZES) {
                String url = "http://127.0.0.1:" + port + "/bytes/" + size;
                phase[0] = "warm-up " + NettyReport.sizeLabel(size);
                String warm = runWrk(wrk, warmSeconds, url, logs.resolve("wrk-" + tag + "-" + size + "-warmup.txt"));
                WrkResult.parse(warm);
                phase[0] = NettyReport.sizeLabel(size);
                String measured = runWrk(wrk, wrkSeconds, url, logs.resolve("wrk-" + tag + "-" + size + ".txt"));
                WrkResult r = WrkResult.parse(measured);
                cells.add(new Cell(allocator, fork, size, r));
                if (r.errors() > 0) {
                    return new Jvm(allocator, fork, ready[0], ProcMemory.of(pid).hwmKiB(), 0, List.copyOf(samples),
                            r.errors() + " wrk errors at " + size + " B (see logs)");
                }
            }
            phase[0] = "after load";
            Thread.sleep((long) (IDLE_SECONDS * 1000));
            ProcMemory end = ProcMemory.of(pid);
            samples.add(new Sample((System.nanoTime() - t0) / 1e9, end.rssKiB(), phase[0]));
            return new Jvm(allocator, fork, ready[0], end.hwmKiB(), end.rssKiB(), List.copyOf(samples), null);
        } catch (IOException | IllegalArgumentException e) {
            return new Jvm(allocator, fork, ready[0], 0, 0, List.copyOf(samples), e.getMessage());
        } finally {
            if (sampler != null) {
                sampler.interrupt();
            }
            server.getOutputStream().close(); // the server stops when its standard input ends
            if (!server.waitFor(20, TimeUnit.SECONDS)) {
                server.destroyForcibly();
                server.waitFor();
            }
        }
    }

    private static void drain(BufferedReader in, Path log) {
        try {
            for (String line; (line = in.readLine()) != null; ) {
                Files.writeString(log, line + "\n", java.nio.file.StandardOpenOption.APPEND);
            }
        } catch (IOException ignored) {
            // the server has ended
        }
    }

    /** Runs wrk for {@code seconds} on {@code url}, keeps its output in {@code log} and returns it. */
    static String runWrk(Path wrk, int seconds, String url, Path log) throws IOException, InterruptedException {
        List<String> cmd = List.of(wrk.toString(), "-t" + WRK_THREADS, "-c" + CONNECTIONS, "-d" + seconds + "s",
                "--latency", "--timeout", "10s", url);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        CompletableFuture<String> text = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
        if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("wrk did not finish: " + String.join(" ", cmd));
        }
        String out;
        try {
            out = text.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            out = "";
        }
        Files.writeString(log, "# " + String.join(" ", cmd) + "\n" + out);
        if (p.exitValue() != 0) {
            throw new IOException("wrk exited with status " + p.exitValue() + ": " + out.strip());
        }
        return out;
    }

    /** {@code m:ss}. */
    static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
