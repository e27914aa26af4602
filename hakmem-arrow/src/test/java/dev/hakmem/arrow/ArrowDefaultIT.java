package dev.hakmem.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * hakmem-arrow in fresh JVMs on chosen class paths, with the packaged jar (its manifest names the
 * agent): how Arrow finds its default manager with hakmem-arrow alone, with the agent, with
 * {@link HakmemAllocationManager#makeDefault()}, next to another manager; hakmem's own limit;
 * and the JVM flags Arrow needs on JDK 25.
 *
 * <p>"Alone" is this module's runtime class path as Maven resolves it (hakmem-core,
 * arrow-memory-core, slf4j-api), the jar, and the test classes for {@link ArrowProbe}: no
 * {@code arrow-memory-netty}, no {@code arrow-memory-unsafe}. Runs in {@code verify}
 * (maven-failsafe-plugin), after the jar is built.
 */
class ArrowDefaultIT {

    static final Path JAR = Path.of(required("hakmem.arrow.test.jar"));
    static final List<String> FLAGS = Arrays.asList(required("hakmem.arrow.test.jvmFlags").trim().split("\\s+"));

    static String required(String property) {
        String v = System.getProperty(property);
        if (v == null) {
            throw new IllegalStateException(property + " not set: run through Maven (failsafe sets it)");
        }
        return v;
    }

    static String testClasses() {
        return Path.of(required("hakmem.arrow.test.runtimeClasspath")).resolveSibling("test-classes").toString();
    }

    /** hakmem-arrow's runtime class path, the jar and the probe. */
    static String alone() throws IOException {
        String runtime = Files.readString(Path.of(required("hakmem.arrow.test.runtimeClasspath"))).trim();
        for (String entry : runtime.split(java.io.File.pathSeparator)) {
            assertFalse(entry.contains("arrow-memory-netty") || entry.contains("arrow-memory-unsafe"), entry);
        }
        return String.join(java.io.File.pathSeparator, runtime, JAR.toString(), testClasses());
    }

    /** The jar of arrow-memory-unsafe, from this test JVM's class path (a test dependency). */
    static String unsafeJar() {
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (entry.contains("arrow-memory-unsafe")) {
                return entry;
            }
        }
        throw new IllegalStateException("arrow-memory-unsafe not on the test class path");
    }

    record Result(int exit, String output) {
        List<String> lines() {
            return output.lines().filter(l -> l.matches("[A-Za-z]+=.*")).toList(); // the probe's step lines
        }
    }

    static Result run(List<String> jvmOptions, String classPath, String... steps) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(ArrowProbe.class.getName());
        cmd.addAll(List.of(steps));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM timed out: " + cmd);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static List<String> flagsPlus(String... more) {
        List<String> all = new ArrayList<>(FLAGS);
        all.addAll(List.of(more));
        return all;
    }

    @Test
    void aloneWithTheAgentHakmemIsArrowsDefault() throws Exception {
        Result r = run(flagsPlus("-javaagent:" + JAR), alone(), "current", "default", "snippet");
        assertEquals(0, r.exit(), r.output());
        assertEquals(List.of("current=HakmemAllocationManager.FACTORY", "default=HakmemAllocationManager",
                "snippet=HakmemAllocationManager"), r.lines(), r.output());
    }

    @Test
    void aloneWithMakeDefaultFirst() throws Exception {
        Result r = run(FLAGS, alone(), "current", "makeDefault", "snippet", "default", "makeDefault");
        assertEquals(0, r.exit(), r.output());
        assertEquals(List.of("current=null", "makeDefault=true", "snippet=HakmemAllocationManager",
                "default=HakmemAllocationManager", "makeDefault=false"), r.lines(), r.output());
    }

    @Test
    void aloneWithNeitherArrowFindsNoDefaultAndFailsEvenWithTheFactoryNamed() throws Exception {
        // Arrow 19 resolves a default manager while initialising its allocator classes; with no
        // manager on the class path that fails before the named factory is looked at. This is why
        // the agent or makeDefault() is needed when hakmem-arrow is the only manager.
        Result r = run(FLAGS, alone(), "snippet");
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains("Exception in thread \"main\" java.lang.ExceptionInInitializerError"), r.output());
        assertTrue(r.output().contains("Caused by: java.lang.RuntimeException: No DefaultAllocationManager found on classpath."),
                r.output());
    }

    @Test
    void nextToTheUnsafeManagerTheFactoryWorksAndMakeDefaultTakesOverLater() throws Exception {
        String cp = alone() + java.io.File.pathSeparator + unsafeJar();
        Result r = run(FLAGS, cp, "snippet", "default", "makeDefault", "default");
        assertEquals(0, r.exit(), r.output());
        assertEquals(List.of("snippet=HakmemAllocationManager", "default=UnsafeAllocationManager", "makeDefault=false",
                "default=HakmemAllocationManager"), r.lines(), r.output());
    }

    @Test
    void hakmemsMaxMemoryIsArrowsOutOfMemoryException() throws Exception {
        Result r = run(flagsPlus("-javaagent:" + JAR, "-Dhakmem.maxMemory=64m"), alone(), "maxMemory");
        assertEquals(0, r.exit(), r.output());
        assertEquals(List.of("oom=org.apache.arrow.memory.OutOfMemoryException cause=java.lang.OutOfMemoryError charged=33554432",
                "maxMemory=ok charged=0"), r.lines(), r.output());
    }

    @Test
    void theJdk25FlagsArrowNeeds() throws Exception {
        String cp = String.join(java.io.File.pathSeparator,
                Files.readString(Path.of(required("hakmem.arrow.test.testClasspath"))).trim(), JAR.toString(), testClasses());
        // with the project's flags: IPC works and the JDK says nothing about sun.misc.Unsafe
        Result ok = run(FLAGS, cp, "ipc");
        assertEquals(0, ok.exit(), ok.output());
        assertEquals(List.of("ipc=ok"), ok.lines(), ok.output());
        assertFalse(ok.output().contains("sun.misc.Unsafe"), ok.output());

        List<String> noOpens = FLAGS.stream().filter(f -> !f.startsWith("--add-opens")).toList();
        Result closed = run(noOpens, cp, "ipc");
        assertEquals(1, closed.exit(), closed.output());
        assertTrue(closed.output().contains(
                "java.lang.UnsupportedOperationException: sun.misc.Unsafe or java.nio.DirectByteBuffer.<init>(long, int) not available"),
                closed.output());

        List<String> noUnsafeFlag = FLAGS.stream().filter(f -> !f.startsWith("--sun-misc-unsafe-memory-access")).toList();
        Result warned = run(noUnsafeFlag, cp, "ipc");
        assertEquals(0, warned.exit(), warned.output());
        assertTrue(warned.output().contains("WARNING: A terminally deprecated method in sun.misc.Unsafe has been called"),
                warned.output());
    }
}
