package dev.hakmem.bench.arrow;

import dev.hakmem.arrow.HakmemAllocationManager;
import dev.hakmem.bench.driver.ProcStatus;
import java.util.Locale;
import org.apache.arrow.memory.AllocationManager;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * One arrow-suite JVM: one case on one allocation manager, warm-up runs then measured runs.
 *
 * <pre>
 * ArrowMain CASE MANAGER [--runs N] [--warmup N] [--warmup-ms MS] [--idle-ms MS]
 * </pre>
 *
 * Prints a tab-separated {@value #RESULT} line per measured run ({@code case, manager, run, ops,
 * nanos, checksum, cpu nanos}: the CPU time is the whole process's, all threads, GC and JIT
 * included) and at the end one {@value #MEMORY} line: {@code case, manager}, the peak RSS
 * of the JVM ({@code VmHWM}, KiB), the RSS right after the root allocator was closed, the RSS after
 * {@code --idle-ms} more of idling, and the peak of Arrow's own accounting (bytes).
 */
public final class ArrowMain {

    /** Tag of a measured run's line. */
    public static final String RESULT = "ARROW";
    /** Tag of the memory line. */
    public static final String MEMORY = "ARROWMEM";
    /** Default minimum warm-up time, milliseconds. */
    public static final long WARMUP_MS = 1000;
    /** Default idle time before the last RSS reading: hakmem's decay gives memory back within 1-2 s. */
    public static final long IDLE_MS = 2000;

    private ArrowMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            usage();
        }
        ArrowCase c = ArrowCase.byLabel(args[0]);
        String manager = ArrowManagers.check(args[1]);
        int runs = 3;
        int warmup = 1;
        long warmupMs = WARMUP_MS;
        long idleMs = IDLE_MS;
        for (int i = 2; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--warmup-ms" -> warmupMs = Long.parseLong(args[++i]);
                case "--idle-ms" -> idleMs = Long.parseLong(args[++i]);
                default -> usage();
            }
        }
        AllocationManager.Factory factory = ArrowManagers.prepare(manager);
        System.out.println("manager " + manager + ": factory " + factory + ", Arrow's default "
                + HakmemAllocationManager.currentDefault());
        long arrowPeak;
        try (BufferAllocator root = new RootAllocator(RootAllocator.configBuilder().allocationManagerFactory(factory).build())) {
            long warmupEnd = System.nanoTime() + warmupMs * 1_000_000;
            for (int i = 1; i <= warmup || (warmup > 0 && System.nanoTime() < warmupEnd); i++) {
                long t0 = System.nanoTime();
                long sum = c.run(root, c.opsPerRun());
                report("warm-up " + i, c, t0, sum);
            }
            for (int r = 1; r <= runs; r++) {
                long cpu0 = processCpuNanos();
                long t0 = System.nanoTime();
                long sum = c.run(root, c.opsPerRun());
                long nanos = System.nanoTime() - t0;
                long cpu = processCpuNanos() - cpu0;
                report("run " + r, c, t0, sum);
                System.out.println(String.join("\t", RESULT, c.label(), manager, Integer.toString(r),
                        Long.toString(c.opsPerRun()), Long.toString(nanos), Long.toString(sum), Long.toString(cpu)));
                if (root.getAllocatedMemory() != 0) {
                    throw new IllegalStateException("run left " + root.getAllocatedMemory() + " bytes allocated");
                }
            }
            arrowPeak = root.getPeakMemoryAllocation();
        }
        long peak = ProcStatus.peakRssKiB();
        long end = ProcStatus.rssKiB();
        Thread.sleep(idleMs);
        long idle = ProcStatus.rssKiB();
        System.out.println(String.join("\t", MEMORY, c.label(), manager, Long.toString(peak), Long.toString(end),
                Long.toString(idle), Long.toString(arrowPeak)));
    }

    /** CPU time of this process so far (every thread), nanoseconds. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static void report(String what, ArrowCase c, long t0, long sum) {
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "%s: %d %s in %.3f s = %.1f k/s (checksum %d)%n", what, c.opsPerRun(), c.unit(), s,
                c.opsPerRun() / s / 1e3, sum);
    }

    private static void usage() {
        System.err.println("usage: ArrowMain CASE MANAGER [--runs N] [--warmup N] [--warmup-ms MS] [--idle-ms MS]"
                + "\n  cases: " + ArrowCase.labels() + "\n  managers: " + ArrowManagers.NAMES);
        System.exit(2);
    }
}
