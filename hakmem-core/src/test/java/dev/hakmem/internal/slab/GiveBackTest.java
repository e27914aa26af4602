package dev.hakmem.internal.slab;

import dev.hakmem.testing.ChildJvm;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Free pages of spans still in use go back to the OS with no call from the user: through the
 * holder's own sweep while its thread is busy (the decay thread nudges it to a slow path when its
 * fast paths never miss), and by the decay thread borrowing the heap while its thread is blocked;
 * borrowing is safe against the owner waking up (see {@link GiveBackChild}).
 */
class GiveBackTest {

    static ChildJvm.Result run(String... args) throws Exception {
        // growthSweepBytes=0: no sweep of the heap's own while it frees (aWholesaleFreeGoesBackAtOnce),
        // so what goes back here goes on the decay schedule; lend=false: the busy owner's loop stays
        // on the fast paths (a lease would send its span's frees to the slow path, which sweeps itself)
        return ChildJvm.of(GiveBackChild.class).jvmArgs("-Dhakmem.decayMs=100", "-Dhakmem.growthSweepBytes=0",
                        "-Dhakmem.lend=false", "-Dhakmem.jmx=false", "-ea")
                .args(args).timeout(Duration.ofSeconds(100)).run();
    }

    static Map<String, Long> figures(String output) {
        Map<String, Long> m = new HashMap<>();
        for (String line : output.lines().toList()) {
            for (String kv : line.split(" ")) {
                String[] p = kv.split("=");
                if (p.length == 2 && p[1].matches("-?\\d+")) {
                    m.put(p[0], Long.parseLong(p[1]));
                }
            }
        }
        return m;
    }

    @Test
    void freePagesOfAnIdleThreadsSpansGoBack() throws Exception {
        ChildJvm.Result r = run("idle");
        System.out.println("give-back, idle thread: " + r.output().strip());
        assertEquals(0, r.exit(), r.output());
        Map<String, Long> m = figures(r.output());
        assertTrue(m.get("droppedKiB") >= 24 << 10, "about 32 MiB of free pages given back: " + r.output());
        assertTrue(m.get("borrows") >= 1, "the decay thread borrowed the idle heap: " + r.output());
    }

    /**
     * The decay pass that empties a heap idle since the previous pass dates the spans it releases
     * from that pass, so the pool gives their memory back a decay time after the heap went idle
     * (memory a thread freed before it blocked came back a pass later before).
     */
    @Test
    void anIdleHeapsSpansAreIdleSinceTheHeapWent() throws Exception {
        ChildJvm.Result r = ChildJvm.of(GiveBackChild.class).jvmArgs("-Dhakmem.decayMs=600000", "-Dhakmem.jmx=false", "-ea")
                .args("idleSince").timeout(Duration.ofSeconds(60)).run();
        System.out.println("give-back, idle since: " + r.output().strip());
        assertEquals(0, r.exit(), r.output());
        assertTrue(figures(r.output()).get("residentPages") > 0, "the blocks were resident: " + r.output());
    }

    /**
     * SuperSlabs a program emptied go back a quarter of the decay time later, not a whole decay
     * time: a phase that freed them and grows elsewhere does not peak with them resident. Purged,
     * they stay mapped for reuse.
     */
    @Test
    void cachedSuperSlabsGoBackAfterAQuarterOfTheDecayTime() throws Exception {
        Map<String, Long> m = figuresWithoutDecayOrSweeps("cachedSuperSlabs", "cached SuperSlabs");
        String r = m.toString();
        assertTrue(m.get("residentKiB") >= 16 << 10, "the freed blocks' pages were resident: " + r);
        assertTrue(m.get("residentKiB") - m.get("earlyKiB") < 1 << 10, "nothing went back before it was due: " + r);
        // about 20 MiB in ten SuperSlabs; the one with the heap's current span and those the
        // magazine's blocks keep stay in use
        assertTrue(m.get("earlyKiB") - m.get("afterKiB") >= 12 << 10, "the cached SuperSlabs' pages went back: " + r);
        assertEquals(0L, m.get("newMmaps"), "purged SuperSlabs stay mapped for reuse: " + r);
    }

    /**
     * A thread that idles in native code (an event loop in {@code epoll_wait}) is never blocked in
     * the JVM's sense, so the decay thread does not borrow its heap; calling
     * {@code Hakmem.trimCurrentThreadIfIdle()} from it periodically gives its caches and free pages
     * back once it has been idle for one period.
     */
    @Test
    void anIdleThreadGivesItsOwnMemoryBackWhenItAsks() throws Exception {
        Map<String, Long> m = figuresWithoutDecayOrSweeps("ownTrim", "own trim");
        String r = m.toString();
        assertTrue(m.get("beforeKiB") - m.get("afterKiB") >= 24 << 10, "about 32 MiB of free pages given back: " + r);
        assertEquals(0L, m.get("freedPagesResident"), "no page of a freed block still resident: " + r);
        assertEquals(2L, m.get("ownTrims"), r);
    }

    /**
     * Runs child workload {@code mode} with a decay time of ten minutes and no sweeps of a heap's
     * own (so what goes back is what the child's own calls give back), checks it exited cleanly
     * and returns its figures.
     */
    private static Map<String, Long> figuresWithoutDecayOrSweeps(String mode, String label) throws Exception {
        ChildJvm.Result r = ChildJvm.of(GiveBackChild.class).jvmArgs("-Dhakmem.decayMs=600000", "-Dhakmem.growthSweepBytes=0",
                        "-Dhakmem.lend=false", "-Dhakmem.jmx=false", "-ea")
                .args(mode).timeout(Duration.ofSeconds(60)).run();
        System.out.println("give-back, " + label + ": " + r.output().strip());
        assertEquals(0, r.exit(), r.output());
        return figures(r.output());
    }

    @Test
    void freePagesOfABusyThreadsSpansGoBack() throws Exception {
        ChildJvm.Result r = run("active");
        System.out.println("give-back, busy thread: " + r.output().strip());
        assertEquals(0, r.exit(), r.output());
        Map<String, Long> m = figures(r.output());
        assertTrue(m.get("droppedKiB") >= 24 << 10, "about 32 MiB of free pages given back: " + r.output());
        assertTrue(m.get("nudges") >= 1, "the decay thread nudged the running owner to its slow path: " + r.output());
    }

    /**
     * A wholesale free goes back while it happens: the heap sweeps once enough came back into its
     * spans, not only a decay time later (here a minute) or when another class grows.
     */
    @Test
    void aWholesaleFreeGoesBackAtOnce() throws Exception {
        ChildJvm.Result r = runWithoutDecay("wholesale", "wholesale free");
        assertEquals(0, r.exit(), r.output());
        Map<String, Long> m = figures(r.output());
        assertTrue(m.get("sweeps") >= 1, "the heap swept during the frees: " + r.output());
        // one sweep per eighth of what hakmem maps (about 8 MiB here) freed: three of the four
        assertTrue(m.get("droppedKiB") >= 16 << 10, "most of the 32 MiB of free pages given back: " + r.output());
    }

    /**
     * A churn of one large size swings what the heap's spans hold past the sweep threshold every
     * few hundred operations, each sweep giving back pages taken again a moment later: its sweeps
     * keep the gap between them (before stop 56 one that gave back much let the next follow at
     * once, as after a wholesale free, and this churn swept about every 300 steps).
     */
    @Test
    void aChurnOfOneLargeSizeSweepsAtMostOncePerGap() throws Exception {
        ChildJvm.Result r = runWithoutDecay("one-size-churn", "one-size churn");
        assertEquals(0, r.exit(), r.output());
        Map<String, Long> m = figures(r.output());
        long allowed = m.get("millis") / m.get("gapMillis") + 2;
        assertTrue(m.get("sweeps") <= allowed, "at most one sweep per gap, " + allowed + ": " + r.output());
    }

    /**
     * Pages freed in a heap's spans go back before the heap takes a new span, even when what came
     * back is below the eighth of the mapped bytes that makes the frees themselves sweep: memory
     * one phase freed does not stay resident beside the next phase's until the decay time (here a
     * minute).
     */
    @Test
    void freedPagesGoBackBeforeTheHeapGrows() throws Exception {
        ChildJvm.Result r = runWithoutDecay("before-growth", "before growth");
        assertEquals(0, r.exit(), r.output());
        Map<String, Long> m = figures(r.output());
        assertEquals(0L, m.get("sweptByFrees"), "4 MiB is below an eighth of the mapped 64 MiB: " + r.output());
        assertEquals(m.get("freedPages"), m.get("residentBefore"), "freed, still resident: " + r.output());
        assertEquals(1L, m.get("sweeps"), "one sweep, before the large class's new span: " + r.output());
        // the blocks in the 16 KiB class's magazine (16) are not in a span, so stay resident
        assertTrue(m.get("residentAfter") <= 16 * 4, "the freed pages went back: " + r.output());
    }

    /**
     * Runs child workload {@code mode} with a decay time of a minute (so nothing the test sees
     * goes back by the decay thread's passes) and prints its output under {@code label}.
     */
    private static ChildJvm.Result runWithoutDecay(String mode, String label) throws Exception {
        ChildJvm.Result r = ChildJvm.of(GiveBackChild.class).jvmArgs("-Dhakmem.decayMs=60000", "-Dhakmem.jmx=false", "-ea")
                .args(mode).timeout(Duration.ofSeconds(100)).run();
        System.out.println("give-back, " + label + ": " + r.output().strip());
        return r;
    }

    @Test
    void borrowingHeapsOfBlockedThreadsIsSafe() throws Exception {
        ChildJvm.Result r = ChildJvm.of(GiveBackChild.class).jvmArgs("-Dhakmem.decayMs=5", "-Dhakmem.jmx=false", "-ea")
                .args("borrowStress", "6").timeout(Duration.ofSeconds(100)).run();
        System.out.println("borrow stress: " + r.output().strip());
        assertTrue(r.exit() == 0 && r.output().contains("OK borrowStress"), r.output());
    }
}
