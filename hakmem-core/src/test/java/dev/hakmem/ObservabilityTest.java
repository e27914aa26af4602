package dev.hakmem;

import dev.hakmem.testing.ChildJvm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MXBean through the platform MBean server, the Flight Recorder events in a real recording,
 * and the {@code hakmem.stats=true} exit report printed by a child JVM.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class ObservabilityTest {

    /** The MXBean's name, once it is registered (in the background, by hakmem's start-up). */
    static ObjectName name() throws Exception {
        Observability.init(); // what hakmem's start-up does; idempotent
        awaitBean(ManagementFactory.getPlatformMBeanServer());
        return new ObjectName(AllocatorMXBean.OBJECT_NAME);
    }

    @Test
    void mxBeanAttributesAreReadableThroughThePlatformServer() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = name();
        assertTrue(server.isRegistered(name));
        assertTrue(JMX.isMXBeanInterface(AllocatorMXBean.class));

        long a = Hakmem.malloc(100);
        try {
            Stats s = Hakmem.stats();
            long live = (Long) server.getAttribute(name, "LiveBytes");
            assertEquals(s.liveBytes(), live, "quiet allocator: the bean reads the same snapshot");
            assertTrue(live >= Hakmem.usableSize(a));
            assertTrue((Long) server.getAttribute(name, "MappedBytes") > 0);
            assertTrue((Long) server.getAttribute(name, "MmapCalls") > 0);
            assertTrue((Long) server.getAttribute(name, "MunmapCalls") >= 0);
            assertTrue((Long) server.getAttribute(name, "MadviseCalls") >= 0);
            assertTrue((Long) server.getAttribute(name, "SuperSlabs") >= 1);
            assertEquals(-1L, (Long) server.getAttribute(name, "MaxMemory"));

            CompositeData[] classes = (CompositeData[]) server.getAttribute(name, "SizeClasses");
            assertEquals(s.sizeClasses().size(), classes.length);
            Stats.SizeClass c112 = s.sizeClassOfBlock(Hakmem.usableSize(a));
            CompositeData row = classes[c112.index()];
            assertEquals(c112.blockSize(), ((Number) row.get("blockSize")).longValue());
            assertTrue(((Number) row.get("allocations")).longValue() >= 1);
            for (String item : List.of("index", "frees", "refills", "remoteFrees")) {
                assertNotNull(row.get(item), item);
            }

            TabularData stages = (TabularData) server.getAttribute(name, "PoolStageHits");
            assertEquals(5, stages.size());
            long spans = 0;
            for (Object o : stages.values()) {
                spans += (Long) ((CompositeData) o).get("value");
            }
            assertTrue(spans >= 1, "at least one span was acquired");

            // the typed proxy a JMX client would use
            AllocatorMXBean proxy = JMX.newMXBeanProxy(server, name, AllocatorMXBean.class);
            assertTrue(proxy.getLiveBytes() > 0);
            assertEquals(s.sizeClasses().size(), proxy.getSizeClasses().size());
            Map<String, Long> hits = proxy.getPoolStageHits();
            assertEquals(5, hits.size());
        } finally {
            Hakmem.free(a);
        }
        server.invoke(name, "trim", new Object[0], new String[0]);
    }

    /**
     * A trim empties the heap of a thread blocked at the time (its freed blocks were in its
     * cache): counted in {@link Stats#heapsBorrowed()} and the bean's {@code HeapsBorrowed}, and
     * the blocks are back in their spans (the thread's next free of one is refused as among its
     * span's free blocks, not its cache).
     */
    @Test
    void aTrimThatEmptiesABlockedThreadsHeapIsCounted() throws Exception {
        CountDownLatch cached = new CountDownLatch(1);
        CountDownLatch trimmed = new CountDownLatch(1);
        long[] keep = new long[2];
        String[] second = new String[1];
        Thread t = new Thread(() -> {
            keep[0] = Hakmem.malloc(48);
            keep[1] = Hakmem.malloc(48); // live: keeps the span
            Hakmem.free(keep[0]); // into this thread's cache
            cached.countDown();
            try {
                trimmed.await(); // blocked: its heap may be borrowed
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            second[0] = assertThrows(IllegalStateException.class, () -> Hakmem.free(keep[0])).getMessage();
            Hakmem.free(keep[1]);
        }, "blocked-owner");
        t.start();
        cached.await();
        while (t.getState() != Thread.State.WAITING) {
            Thread.onSpinWait();
        }
        long before = Hakmem.stats().heapsBorrowed();
        Hakmem.trim();
        long after = Hakmem.stats().heapsBorrowed();
        trimmed.countDown();
        t.join();
        assertTrue(after >= before + 1, "heapsBorrowed " + before + " -> " + after);
        assertTrue(second[0].endsWith("it is among its span's free blocks")
                || second[0].contains("lent memory that holds no live block"), second[0]);
        AllocatorMXBean bean = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(), name(), AllocatorMXBean.class);
        assertTrue(bean.getHeapsBorrowed() >= after);
    }

    static List<RecordedEvent> record(Runnable action) throws Exception {
        Path file = Files.createTempFile("hakmem", ".jfr");
        try (Recording r = new Recording()) {
            for (String e : List.of("Misuse", "Trim", "SuperSlabMapped", "SuperSlabUnmapped", "LimitReached")) {
                r.enable("dev.hakmem." + e);
            }
            r.start();
            action.run();
            r.stop();
            r.dump(file);
            return RecordingFile.readAllEvents(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }

    @Test
    void recordingContainsMisuseEvents() throws Exception {
        long a = Hakmem.malloc(64);
        Hakmem.free(a);
        long unknown = 0x10L;
        List<RecordedEvent> events = record(() -> {
            assertThrows(IllegalStateException.class, () -> Hakmem.free(a), "double free");
            assertThrows(IllegalArgumentException.class, () -> Hakmem.free(unknown), "unknown address");
        });
        List<RecordedEvent> misuse = named(events, "dev.hakmem.Misuse");
        assertEquals(2, misuse.size(), misuse.toString());
        RecordedEvent doubleFree = misuse.get(0);
        assertEquals("free", doubleFree.getString("operation"));
        assertEquals(a, doubleFree.getLong("address"));
        assertTrue(doubleFree.getString("reason").contains("already free"));
        assertEquals(unknown, misuse.get(1).getLong("address"));
        assertNotNull(doubleFree.getStackTrace(), "misuse events carry the caller's stack");
        assertEquals("hakmem", doubleFree.getEventType().getCategoryNames().get(0));
    }

    /**
     * Trim and SuperSlab events. They are emitted by the pool and OS layers: allocating 40 MiB of
     * 16 KiB blocks after a trim must map new SuperSlabs, and freeing them and trimming again
     * must unmap them.
     */
    @Test
    void recordingContainsTrimAndSuperSlabEvents() throws Exception {
        List<RecordedEvent> events = record(() -> {
            Hakmem.trim();
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 40 * 64; i++) {
                blocks.add(Hakmem.malloc(16 * 1024));
            }
            for (long b : blocks) {
                Hakmem.free(b);
            }
            Hakmem.trim();
        });
        List<RecordedEvent> mapped = named(events, "dev.hakmem.SuperSlabMapped");
        List<RecordedEvent> unmapped = named(events, "dev.hakmem.SuperSlabUnmapped");
        List<RecordedEvent> trims = named(events, "dev.hakmem.Trim");
        assertTrue(mapped.size() >= 10, "SuperSlabMapped events: " + mapped.size());
        assertTrue(unmapped.size() >= 10, "SuperSlabUnmapped events: " + unmapped.size());
        assertEquals(2, trims.size(), "one Trim event per Hakmem.trim()");
        assertTrue(mapped.get(0).getLong("bytes") > 0);
        assertTrue(trims.get(1).getLong("bytesReleased") > 0, "the second trim released the SuperSlabs");
    }

    // ------------------------------------------------------------------ child JVMs

    /** Runs {@link ChildMain} in a new JVM with {@code options}; returns its output. */
    static String runChild(List<String> options, String... args) throws Exception {
        ChildJvm.Result r = ChildJvm.of(ChildMain.class).jvmArgs(options).args(args).timeout(Duration.ofSeconds(60)).run();
        assertEquals(0, r.exit(), r.output());
        return r.output();
    }

    @Test
    void exitReportIsPrintedWithHakmemStatsTrue() throws Exception {
        String err = runChild(List.of("-Dhakmem.stats=true"), "report");
        assertTrue(err.contains("hakmem statistics"), err);
        // the child allocated 1000 blocks of 100 B and freed 600
        long a = Hakmem.malloc(100);
        long block = Hakmem.usableSize(a);
        Hakmem.free(a);
        String row = err.lines().filter(l -> l.matches("\\s+\\d+\\s+" + block + "\\s+.*")).findFirst().orElse(null);
        assertNotNull(row, "a line for the " + block + " B class:\n" + err);
        String[] f = row.trim().split("\\s+");
        assertTrue(Long.parseLong(f[2]) >= 1000, row);
        assertTrue(Long.parseLong(f[3]) >= 600, row);
        assertEquals(Long.parseLong(f[2]) - Long.parseLong(f[3]), Long.parseLong(f[4]), row);
        for (String stage : dev.hakmem.internal.slab.SpanPool.stageNames()) {
            assertTrue(err.contains(stage), "stage " + stage + " in\n" + err);
        }
        // ChildJvm starts the child without jdk.internal.access exported: both modes off, each with its reason
        assertTrue(err.contains("fast paths: carrier heaps off (java.base does not export jdk.internal.access")
                && err.contains("; unchecked magazines off (java.base does not export jdk.internal.access"), err);
        String exported = runChild(List.of("-Dhakmem.stats=true", "--add-exports=java.base/jdk.internal.access=ALL-UNNAMED"), "report");
        assertTrue(exported.contains("fast paths: carrier heaps on; unchecked magazines on"), exported);
        String without = runChild(List.of(), "report");
        assertFalse(without.contains("hakmem statistics"), "no report unless asked");
    }

    @Test
    void limitReachedEventIsRecorded(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("limit.jfr");
        runChild(List.of("-Dhakmem.maxMemory=16m"), "limit", file.toString());
        List<RecordedEvent> limit = named(RecordingFile.readAllEvents(file), "dev.hakmem.LimitReached");
        assertFalse(limit.isEmpty());
        assertEquals(16L << 20, limit.get(0).getLong("limit"));
        assertTrue(limit.get(0).getLong("requested") > 0);
    }

    /**
     * By default hakmem never creates the platform MBean server (it costs ~0.5 s of CPU and
     * several MiB): with nobody asking for one, no MBean server exists after many polls; once the
     * program asks for the platform server, the bean appears in it within a few polls.
     */
    @Test
    void mxBeanWaitsForTheServerInsteadOfCreatingIt() throws Exception {
        String out = runChild(List.of("-Dhakmem.jmx.pollMs=20"), "lazy");
        assertTrue(out.contains("servers before: 0"), out);
        assertTrue(out.contains("hakmem-jmx alive: true"), out);
        assertTrue(out.contains("registered: true"), out);
    }

    /** {@code hakmem.jmx.delayMs=0}: the eager way, the server is created and the bean registered at start-up. */
    @Test
    void mxBeanIsRegisteredEagerlyWithDelayMs() throws Exception {
        String out = runChild(List.of("-Dhakmem.jmx.delayMs=0"), "eager");
        assertTrue(out.contains("registered: true"), out);
    }

    /** The child JVM's program. */
    public static final class ChildMain {
        public static void main(String[] args) throws Exception {
            Observability.init(); // what hakmem's start-up does
            switch (args[0]) {
                case "report" -> {
                    long[] blocks = new long[1000];
                    for (int i = 0; i < blocks.length; i++) {
                        blocks[i] = Hakmem.malloc(100);
                    }
                    for (int i = 0; i < 600; i++) {
                        Hakmem.free(blocks[i]);
                    }
                }
                case "limit" -> {
                    try (Recording r = new Recording()) {
                        r.enable("dev.hakmem.LimitReached");
                        r.start();
                        Collection<Long> held = new ArrayList<>();
                        Predicate<Long> full = size -> {
                            try {
                                held.add(Hakmem.malloc(size));
                                return false;
                            } catch (OutOfMemoryError e) {
                                return true;
                            }
                        };
                        boolean hit = false;
                        for (int i = 0; i < 10_000 && !hit; i++) {
                            hit = full.test(1L << 20);
                        }
                        if (!hit) {
                            throw new AssertionError("the 16 MiB limit was never reached");
                        }
                        r.stop();
                        r.dump(Path.of(args[1]));
                        held.forEach(Hakmem::free);
                    }
                }
                case "lazy" -> {
                    Hakmem.free(Hakmem.malloc(64));
                    Thread.sleep(500); // 25 polls
                    System.out.println("servers before: " + MBeanServerFactory.findMBeanServer(null).size());
                    System.out.println("hakmem-jmx alive: " + Thread.getAllStackTraces().keySet().stream()
                            .anyMatch(t -> t.getName().equals("hakmem-jmx")));
                    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
                    System.out.println("registered: " + awaitBean(server));
                }
                case "eager" -> {
                    await(() -> !MBeanServerFactory.findMBeanServer(null).isEmpty());
                    System.out.println("registered: " + awaitBean(MBeanServerFactory.findMBeanServer(null).get(0)));
                }
                default -> throw new IllegalArgumentException(args[0]);
            }
        }
    }

    /** Whether hakmem's bean is in {@code server} within 30 s. */
    static boolean awaitBean(MBeanServer server) throws Exception {
        ObjectName name = new ObjectName(AllocatorMXBean.OBJECT_NAME);
        return await(() -> server.isRegistered(name));
    }

    /** Whether {@code condition} holds within 30 s, looking every 5 ms. */
    static boolean await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return condition.getAsBoolean();
    }

    @Test
    void eventsAreCheapNoOpsWithoutARecording() {
        // no recording running: emitting must neither fail nor need Flight Recorder
        dev.hakmem.internal.event.Events.superSlabMapped(0x200000, 2 << 20);
        dev.hakmem.internal.event.Events.misuse("free", 1, "test");
        assertThrows(IllegalArgumentException.class, () -> Hakmem.free(0x20));
    }
}
