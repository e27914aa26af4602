package dev.hakmem.bench.launch;

import dev.hakmem.bench.DriverMain;
import dev.hakmem.bench.alloc.Allocators;
import dev.hakmem.bench.report.ResultRow;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link DriverMain} for one (case, allocator) in a fresh JVM: same {@code java}, same class
 * path, {@code --enable-native-access=ALL-UNNAMED}, {@code --add-exports=java.base/jdk.internal.access=ALL-UNNAMED}
 * (hakmem's carrier heaps for virtual threads), and {@code LD_PRELOAD} for the native peers.
 * Its output goes to a log file; its {@code RESULT} lines become {@link ResultRow}s.
 */
public final class Fork {

    private static final int TAIL_LINES = 6;

    private Fork() {}

    /** The command line of the fork. */
    public static List<String> command(BenchCase c, String allocator, int runs, int warmup, List<String> jvmArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("--add-exports=java.base/jdk.internal.access=ALL-UNNAMED"); // hakmem: virtual threads use their carrier's heap
        cmd.add("-Xmx1g");
        cmd.addAll(Allocators.jvmOptions(allocator));
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(DriverMain.class.getName());
        cmd.add(c.driver());
        cmd.add(allocator);
        cmd.addAll(List.of(c.params().split(" ")));
        cmd.addAll(List.of("--runs", Integer.toString(runs), "--warmup", Integer.toString(warmup)));
        return cmd;
    }

    /**
     * Runs the fork, waiting at most {@code timeoutSeconds}.
     *
     * @param preload the library to preload, if any
     * @param log     where the fork's output goes
     */
    public static ForkResult run(BenchCase c, String allocator, int runs, int warmup, List<String> jvmArgs,
                                 Optional<Path> preload, Path log, double timeoutSeconds) throws IOException, InterruptedException {
        List<String> cmd = command(c, allocator, runs, warmup, jvmArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        preload.ifPresent(p -> pb.environment().put("LD_PRELOAD", p.toString()));
        long start = System.nanoTime();
        Process process = pb.start();
        process.getOutputStream().close();
        List<ResultRow> rows = new ArrayList<>();
        Deque<String> tail = new ArrayDeque<>();
        String[] firstProblem = {null};
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
                out.write("# " + (preload.map(p -> "LD_PRELOAD=" + p + " ").orElse("")) + String.join(" ", cmd) + "\n");
                for (String line; (line = in.readLine()) != null; ) {
                    out.write(line);
                    out.write('\n');
                    out.flush();
                    synchronized (rows) {
                        if (line.startsWith(DriverMain.RESULT + "\t")) {
                            rows.add(parse(line));
                        } else if (!line.isBlank()) {
                            if (firstProblem[0] == null && isProblem(line)) {
                                firstProblem[0] = line.trim();
                            }
                            tail.addLast(line);
                            if (tail.size() > TAIL_LINES) {
                                tail.removeFirst();
                            }
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                synchronized (rows) {
                    tail.addLast("launcher: could not read the fork's output: " + e);
                }
            }
        });
        boolean finished = process.waitFor((long) (timeoutSeconds * 1000), TimeUnit.MILLISECONDS);
        if (!finished) {
            process.destroyForcibly();
            process.waitFor();
        }
        reader.join(5000);
        double seconds = (System.nanoTime() - start) / 1e9;
        synchronized (rows) {
            String error = null;
            if (!finished) {
                error = String.format("timed out after %.0f s", timeoutSeconds);
            } else if (process.exitValue() != 0) {
                error = "exit status " + process.exitValue() + ": " + summary(firstProblem[0], tail);
            } else if (rows.size() < runs) {
                error = "only " + rows.size() + " of " + runs + " runs reported: " + summary(firstProblem[0], tail);
            }
            return new ForkResult(List.copyOf(rows), error, seconds);
        }
    }

    private static boolean isProblem(String line) {
        return !line.startsWith("\tat ") && (line.contains("Exception") || line.contains("Error") || line.startsWith("error"));
    }

    private static String summary(String firstProblem, Deque<String> tail) {
        if (firstProblem != null) {
            return firstProblem;
        }
        return tail.isEmpty() ? "no output" : tail.peekLast().trim();
    }

    /** Parses a {@code RESULT} line of {@link DriverMain}. */
    public static ResultRow parse(String line) {
        String[] f = line.split("\t", -1);
        long ops = Long.parseLong(f[5]);
        long nanos = Long.parseLong(f[6]);
        return new ResultRow(f[1], f[2], f[3], Integer.parseInt(f[4]), ops * 1e9 / nanos,
                ops == 0 ? Double.NaN : (double) nanos / ops, Long.parseLong(f[7]), Long.parseLong(f[8]),
                optional(f[9]), optional(f[10]), optional(f[11]), f.length > 12 ? optional(f[12]) : null);
    }

    private static Long optional(String s) {
        return s.isEmpty() ? null : Long.valueOf(s);
    }
}
