package dev.hakmem.bench.memory;

import dev.hakmem.Hakmem;
import dev.hakmem.Stats;
import dev.hakmem.bench.placement.BestFitPlacement;
import dev.hakmem.bench.placement.ModelAllocator;
import dev.hakmem.bench.placement.PageLedger;
import dev.hakmem.bench.placement.Placement;
import dev.hakmem.bench.placement.SegregatedPlacement;
import dev.hakmem.bench.placement.TieredPlacement;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The placement model: runs memory drivers against {@link ModelAllocator}s (no memory is mapped)
 * and prints, per driver and placement policy, the peak bytes of the pages live blocks overlap
 * over the peak live bytes: the least peak RSS / live an allocator placing blocks that way could
 * reach, with every page that holds no live block given back at once and no metadata. Set
 * against the suite's measured peak / live, it separates what placement costs from what purging
 * late and metadata cost.
 *
 * <pre>
 * PlacementModelMain [DRIVER,...] [POLICY,...] [SCALE]
 *   drivers:  frag-refill, frag-phases, frag-remote, server-day (default: all four)
 *   policies: segregated (hakmem's classes), spill2 (and a larger class's free block, up to 2x),
 *             fill (segregated, and best fit across the free blocks of all classes before a new span),
 *             fill-span (the same, holes inside one span), runs, runs-spill2 (segregated, and a run of a smaller class's free blocks before a new span;
 *             with the spill too), split (a larger class's free block cut into pieces of the class about to grow),
 *             carve (a run of another class's free blocks cut into such pieces), lease, lease-whole (a run of free blocks
 *             of another class leased and lent byte by byte by best fit, back to its class when all its bytes are free),
 *             lease-first, lease-class, lease-first-class (lease-whole as hakmem lends: the first run found rather than
 *             the smallest, blocks of the class's size rather than the request's, both),
 *             tier257, tier65 (segregated, best fit for 257 B / 65 B - 32 KiB), bestfit (best fit for all);
 *             default: all
 *   scale:    the drivers' volume (default 1, as the suite)
 * </pre>
 */
public final class PlacementModelMain {

    private PlacementModelMain() {}

    /** The policies by name; each call makes a fresh placement. */
    static Map<String, Supplier<Placement>> policies() {
        long[] classes = hakmemClasses();
        long base = PageLedger.region(0);
        long tier = PageLedger.region(1);
        Map<String, Supplier<Placement>> p = new LinkedHashMap<>();
        p.put("segregated", () -> new SegregatedPlacement(classes, 1, base));
        p.put("spill2", () -> new SegregatedPlacement(classes, 2, base));
        p.put("fill", () -> new SegregatedPlacement(classes, 1, base).fillingHoles());
        p.put("fill-span", () -> new SegregatedPlacement(classes, 1, base).fillingHoles().spansApart());
        p.put("split", () -> new SegregatedPlacement(classes, 1, base).splittingBlocks());
        p.put("carve", () -> new SegregatedPlacement(classes, 1, base).carvingRuns());
        p.put("lease", () -> new SegregatedPlacement(classes, 1, base).leasingRuns(false));
        p.put("lease-whole", () -> new SegregatedPlacement(classes, 1, base).leasingRuns(true));
        p.put("lease-first", () -> new SegregatedPlacement(classes, 1, base).leasingRuns(true, true, false));
        p.put("lease-class", () -> new SegregatedPlacement(classes, 1, base).leasingRuns(true, false, true));
        p.put("lease-first-class", () -> new SegregatedPlacement(classes, 1, base).leasingRuns(true, true, true));
        p.put("runs", () -> new SegregatedPlacement(classes, 1, base).fillingRuns());
        p.put("runs-spill2", () -> new SegregatedPlacement(classes, 2, base).fillingRuns());
        p.put("tier257", () -> new TieredPlacement(new SegregatedPlacement(classes, 1, base), new BestFitPlacement(tier),
                257, ModelAllocator.MAX_PLACED));
        p.put("tier65", () -> new TieredPlacement(new SegregatedPlacement(classes, 1, base), new BestFitPlacement(tier),
                65, ModelAllocator.MAX_PLACED));
        p.put("bestfit", () -> new BestFitPlacement(base));
        return p;
    }

    /** hakmem's block sizes up to {@link ModelAllocator#MAX_PLACED}, from its public statistics. */
    static long[] hakmemClasses() {
        List<Long> sizes = new ArrayList<>();
        for (Stats.SizeClass c : Hakmem.stats().sizeClasses()) {
            if (c.blockSize() <= ModelAllocator.MAX_PLACED) {
                sizes.add(c.blockSize());
            }
        }
        return sizes.stream().mapToLong(Long::longValue).toArray();
    }

    /** Runs {@code driver} once on a model of {@code placement}; returns peak page bytes over peak live bytes. */
    static double peakOverLive(MemoryDriver driver, Placement placement, double scale, long seed) throws InterruptedException {
        ModelAllocator model = new ModelAllocator(placement);
        LiveBytes live = new LiveBytes();
        try (Crew crew = new Crew(driver.name(), driver.threads())) {
            driver.run(new MemoryDriver.Workload(model, crew, live, scale, 1, seed, new Phases(System.nanoTime())));
        }
        if (live.get() != 0 || model.bytesInUse() != 0) {
            throw new IllegalStateException(driver.name() + " left " + live.get() + " live bytes, " + model.bytesInUse()
                    + " bytes of pages in use");
        }
        return (double) model.peakBytes() / live.peak();
    }

    public static void main(String[] args) throws InterruptedException {
        List<String> drivers = args.length > 0 ? List.of(args[0].split(",")) : MemoryDrivers.names();
        Map<String, Supplier<Placement>> all = policies();
        List<String> names = args.length > 1 ? List.of(args[1].split(",")) : List.copyOf(all.keySet());
        double scale = args.length > 2 ? Double.parseDouble(args[2]) : 1;
        for (String n : names) {
            if (!all.containsKey(n)) {
                throw new IllegalArgumentException("unknown policy '" + n + "'; known: " + all.keySet());
            }
        }
        System.out.println("| driver | policy | peak page bytes / peak live |");
        System.out.println("|---|---|---:|");
        for (String d : drivers) {
            MemoryDriver driver = MemoryDrivers.byName(d);
            for (String n : names) {
                Placement p = all.get(n).get();
                double r = peakOverLive(driver, p, scale, 42);
                System.out.printf(Locale.ROOT, "| %s | %s (%s) | %.3f |%n", d, n, p.name(), r);
            }
        }
    }
}
