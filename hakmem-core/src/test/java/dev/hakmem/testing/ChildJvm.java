package dev.hakmem.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The one way tests start a fresh JVM: for start-up configuration ({@code -Dhakmem.*}), a clean
 * process (RSS), or code that may crash the JVM.
 *
 * <ul>
 * <li>the child runs {@code main} with the test class path, {@code --enable-native-access},
 *     {@code -Xmx256m} and a crash log in the temporary directory, plus the given options;</li>
 * <li>its environment is this one without any {@code HAKMEM_*} variable (so the developer's
 *     settings cannot change a test), plus the given variables;</li>
 * <li>standard output and error go, merged, to a temporary file, so a child that writes a lot
 *     never blocks on a full pipe and the timeout always fires: a child still running after it is
 *     killed and reported with exit code {@link #TIMED_OUT}.</li>
 * </ul>
 */
public final class ChildJvm {
    /** Exit code reported for a child killed at its timeout. */
    public static final int TIMED_OUT = -1;
    private static final int MAX_OUTPUT = 64 * 1024;

    /** What the child did: its exit code (or {@link #TIMED_OUT}) and its merged output. */
    public record Result(int exit, String output) {
        public boolean timedOut() {
            return exit == TIMED_OUT;
        }
    }

    private final Class<?> main;
    private final List<String> jvmArgs = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> args = new ArrayList<>();
    private Duration timeout = Duration.ofSeconds(120);

    private ChildJvm(Class<?> main) {
        this.main = main;
    }

    /** A child that runs {@code main}'s {@code main} method. */
    public static ChildJvm of(Class<?> main) {
        return new ChildJvm(main);
    }

    /** Adds JVM options. */
    public ChildJvm jvmArgs(List<String> options) {
        jvmArgs.addAll(options);
        return this;
    }

    /** Adds JVM options. */
    public ChildJvm jvmArgs(String... options) {
        return jvmArgs(List.of(options));
    }

    /** Adds environment variables. */
    public ChildJvm env(Map<String, String> variables) {
        env.putAll(variables);
        return this;
    }

    /** Adds program arguments. */
    public ChildJvm args(String... arguments) {
        args.addAll(List.of(arguments));
        return this;
    }

    /** How long the child may run (default 120 s). */
    public ChildJvm timeout(Duration t) {
        timeout = t;
        return this;
    }

    /** The command line, for failure messages. */
    public String commandLine() {
        return String.join(" ", command(true));
    }

    private List<String> command(boolean shortClassPath) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Xmx256m");
        cmd.add("-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "hakmem-test-child-hs_err_%p.log"));
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(shortClassPath ? "<test class path>" : System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(args);
        return cmd;
    }

    /** Runs the child to its end or its timeout. */
    public Result run() throws IOException, InterruptedException {
        Path out = Files.createTempFile("hakmem-test-child", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(command(false)).redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("HAKMEM_"));
            pb.environment().putAll(env);
            Process p = pb.start();
            int exit;
            if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                exit = p.exitValue();
            } else {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                exit = TIMED_OUT;
            }
            String output = Files.readString(out, StandardCharsets.UTF_8);
            if (output.length() > MAX_OUTPUT) {
                output = output.substring(0, MAX_OUTPUT) + "... (" + output.length() + " chars)";
            }
            return new Result(exit, output);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Override
    public String toString() {
        return commandLine() + (env.isEmpty() ? "" : " with " + env);
    }
}
