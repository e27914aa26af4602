package dev.hakmem.bench.memory;

import dev.hakmem.bench.alloc.BlockTable;
import dev.hakmem.bench.driver.Xorshift64Star;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code server-day}: a day of {@value #SECONDS} s with {@value #PEAKS} load peaks, on
 * {@value #WORKERS} worker threads and a janitor thread.
 *
 * <p>Each cycle ({@value #SECONDS} / {@value #PEAKS} s) ramps the load from 5 % to 100 % in its
 * first tenth, holds it to the half, ramps down in the next tenth and stays quiet (5 %) for the
 * rest. Each worker handles requests at load x {@value #PEAK_RATE} per second (an open loop: the
 * same requests for every allocator, as long as the machine keeps up). A request allocates 4-24
 * request-scoped blocks (by count 80 % 32-512 B, 18 % 1-8 KiB, 2 % 16-64 KiB) into one of the
 * worker's {@value #IN_FLIGHT} in-flight slots, chosen at random; the request that held that slot
 * completes first and its blocks are freed. Requests also fill a cache shared by all threads with
 * longer-lived entries (60 % 256 B-4 KiB, 35 % 4-32 KiB, 5 % 64-256 KiB): up to 4 per request while
 * the cache is below its target, and with probability {@value #CACHE_REPLACE} one more that
 * replaces a random entry. The cache target grows through each peak, to 55, 70, 85 and 100 % of
 * {@value #CACHE_MIB} MiB for peaks one to four, and falls to 10 % during the next fifth of the
 * cycle; the janitor evicts random entries (allocated by any worker) down to it every 5 ms. At the
 * end workers free their requests and the janitor empties the cache.
 */
final class ServerDay implements MemoryDriver {

    static final int WORKERS = 3;
    static final double SECONDS = 16;
    static final int PEAKS = 4;
    static final int IN_FLIGHT = 64;
    static final int MAX_BLOCKS = 24;
    static final int MIN_BLOCKS = 4;
    static final double QUIET_LOAD = 0.05;
    static final int PEAK_RATE = 3000;
    static final double CACHE_REPLACE = 0.25;
    static final int CACHE_FILL = 4;
    static final long CACHE_MIB = 512;
    static final double CACHE_QUIET = 0.10;
    static final SizeMix REQUEST = SizeMix.of(80, 32, 512, 18, 1024, 8192, 2, 16384, 65536);
    static final SizeMix ENTRY = SizeMix.of(60, 256, 4096, 35, 4096, 32768, 5, 65536, 262144);
    private static final int STRIPES = 16;
    private static final long MAX_PARK_NANOS = 1_000_000;
    /** A worker this far behind its schedule drops the backlog instead of rushing to catch up. */
    private static final long MAX_BACKLOG_NANOS = 100_000_000;
    private static final long JANITOR_NANOS = 5_000_000;

    @Override
    public String name() {
        return "server-day";
    }

    @Override
    public String description() {
        return (int) SECONDS + " s, " + PEAKS + " load peaks and quiet phases; " + WORKERS + " workers handle up to "
                + PEAK_RATE + " requests/s each (5 % when quiet) of " + MIN_BLOCKS + "-" + MAX_BLOCKS + " blocks ("
                + REQUEST + "), " + IN_FLIGHT + " in flight each, and put entries (" + ENTRY
                + ") into a shared cache that grows to 55-100 % of " + CACHE_MIB
                + " MiB in each peak and shrinks to 10 % when quiet (random evictions, by any thread); "
                + "a janitor thread trims the cache";
    }

    @Override
    public int threads() {
        return WORKERS + 1;
    }

    @Override
    public boolean fitsNetty() {
        return true;
    }

    @Override
    public double estimateSeconds(double scale, double timeScale) {
        return SECONDS * timeScale;
    }

    /** Load (0-1) at {@code x}, the fraction of its cycle that has passed. */
    static double load(double x) {
        if (x < 0.1) {
            return QUIET_LOAD + (1 - QUIET_LOAD) * x / 0.1;
        }
        if (x < 0.5) {
            return 1;
        }
        if (x < 0.6) {
            return 1 - (1 - QUIET_LOAD) * (x - 0.5) / 0.1;
        }
        return QUIET_LOAD;
    }

    /** Cache target as a fraction of the cache's size in cycle {@code k} at fraction {@code x} of it. */
    static double cacheTarget(int k, double x) {
        double peak = 0.55 + 0.15 * Math.min(k, 3);
        if (x < 0.5) {
            return CACHE_QUIET + (peak - CACHE_QUIET) * x / 0.5;
        }
        if (x < 0.7) {
            return peak - (peak - CACHE_QUIET) * (x - 0.5) / 0.2;
        }
        return CACHE_QUIET;
    }

    /** The shared cache: stripes of slots, each stripe guarded by its own lock. */
    private static final class Cache {
        final Stripe[] stripes = new Stripe[STRIPES];
        final AtomicLong bytes = new AtomicLong();
        final LiveBytes live;

        Cache(Workload w, int perStripe) {
            this.live = w.live();
            for (int i = 0; i < STRIPES; i++) {
                stripes[i] = new Stripe(w.allocator().newTable(perStripe, true));
            }
        }

        void insert(Xorshift64Star random) {
            Stripe s = stripes[(int) ((random.next() >>> 33) % STRIPES)];
            long size = ENTRY.draw(random);
            synchronized (s) {
                if (s.count == s.table.capacity()) {
                    s.evict((int) ((random.next() >>> 33) % s.count), this);
                }
                int slot = s.free[--s.freeTop];
                s.size[slot] = (int) size;
                Blocks.allocate(s.table, slot, size, live);
                s.pos[slot] = s.count;
                s.used[s.count++] = slot;
            }
            bytes.addAndGet(size);
        }

        /** Evicts one random entry; false if the stripe drawn was empty. */
        boolean evictRandom(Xorshift64Star random) {
            Stripe s = stripes[(int) ((random.next() >>> 33) % STRIPES)];
            synchronized (s) {
                if (s.count == 0) {
                    return false;
                }
                s.evict((int) ((random.next() >>> 33) % s.count), this);
                return true;
            }
        }

        void clear() {
            for (Stripe s : stripes) {
                synchronized (s) {
                    while (s.count > 0) {
                        s.evict(s.count - 1, this);
                    }
                }
            }
        }
    }

    private static final class Stripe {
        final BlockTable table;
        final int[] size;
        final int[] used;  // occupied slots, densely
        final int[] pos;   // slot -> index in used
        final int[] free;  // free slots, a stack
        int count;
        int freeTop;

        Stripe(BlockTable table) {
            this.table = table;
            int n = table.capacity();
            size = new int[n];
            used = new int[n];
            pos = new int[n];
            free = new int[n];
            for (int i = 0; i < n; i++) {
                free[i] = n - 1 - i;
            }
            freeTop = n;
        }

        /** Frees the entry at index {@code i} of {@link #used}; the caller holds this stripe's lock. */
        void evict(int i, Cache cache) {
            int slot = used[i];
            int last = used[--count];
            used[i] = last;
            pos[last] = i;
            long n = size[slot];
            Blocks.free(table, slot, n, cache.live);
            size[slot] = 0;
            free[freeTop++] = slot;
            cache.bytes.addAndGet(-n);
        }
    }

    @Override
    public void run(Workload w) throws InterruptedException {
        long cacheMax = Math.max(1, (long) (CACHE_MIB * w.scale() * (1 << 20)));
        int perStripe = (int) (2 * cacheMax / ENTRY.mean() / STRIPES) + 16;
        Cache cache = new Cache(w, perStripe);
        long duration = (long) (SECONDS * w.timeScale() * 1e9);
        long cycle = duration / PEAKS;
        long start = System.nanoTime();
        long end = start + duration;
        AtomicInteger working = new AtomicInteger(WORKERS);
        w.crew().runOnAll(t -> {
            Xorshift64Star random = new Xorshift64Star(w.seed() + t);
            if (t < WORKERS) {
                try {
                    work(w, cache, cacheMax, random, start, end, cycle);
                } finally {
                    working.decrementAndGet();
                }
            } else {
                while (working.get() > 0) {
                    long now = System.nanoTime();
                    long k = Math.min((now - start) / cycle, PEAKS - 1);
                    double x = Math.min(1.0, (now - start - k * cycle) / (double) cycle);
                    long target = (long) (cacheMax * cacheTarget((int) k, x));
                    while (cache.bytes.get() > target) {
                        cache.evictRandom(random);
                    }
                    LockSupport.parkNanos(JANITOR_NANOS);
                }
                cache.clear();
            }
        });
    }

    private static void work(Workload w, Cache cache, long cacheMax, Xorshift64Star random, long start, long end, long cycle) {
        BlockTable requests = w.allocator().newTable(IN_FLIGHT * MAX_BLOCKS, false);
        int[] size = new int[IN_FLIGHT * MAX_BLOCKS];
        int[] blocks = new int[IN_FLIGHT];
        LiveBytes live = w.live();
        long due = start;
        for (long now = System.nanoTime(); now < end; now = System.nanoTime()) {
            if (now - due < 0) {
                LockSupport.parkNanos(Math.min(due - now, MAX_PARK_NANOS));
                continue;
            }
            long k = Math.min((now - start) / cycle, PEAKS - 1);
            double x = Math.min(1.0, (now - start - k * cycle) / (double) cycle);
            due = Math.max(due + (long) (1e9 / (PEAK_RATE * load(x))), now - MAX_BACKLOG_NANOS);
            int r = (int) ((random.next() >>> 33) % IN_FLIGHT);
            int base = r * MAX_BLOCKS;
            for (int j = 0; j < blocks[r]; j++) {
                Blocks.free(requests, base + j, size[base + j], live);
            }
            blocks[r] = MIN_BLOCKS + (int) ((random.next() >>> 33) % (MAX_BLOCKS - MIN_BLOCKS + 1));
            for (int j = 0; j < blocks[r]; j++) {
                size[base + j] = (int) REQUEST.draw(random);
                Blocks.allocate(requests, base + j, size[base + j], live);
            }
            long target = (long) (cacheMax * cacheTarget((int) k, x));
            for (int e = 0; e < CACHE_FILL && cache.bytes.get() < target; e++) {
                cache.insert(random);
            }
            if (SizeMix.uniform(random) < CACHE_REPLACE) {
                cache.insert(random);
                cache.evictRandom(random);
            }
        }
        for (int r = 0; r < IN_FLIGHT; r++) {
            for (int j = 0; j < blocks[r]; j++) {
                Blocks.free(requests, r * MAX_BLOCKS + j, size[r * MAX_BLOCKS + j], live);
            }
            blocks[r] = 0;
        }
    }
}
