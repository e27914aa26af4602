package dev.hakmem.bench.memory;

import dev.hakmem.bench.alloc.BlockTable;
import dev.hakmem.bench.driver.Xorshift64Star;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code frag-phases}, one thread: six phases whose size mix shifts, small (16-512 B), mid
 * (1-32 KiB), large (64-512 KiB), small, mid, large. Each phase first frees a random 90 % of the
 * previous phase's blocks (the other 10 % live on to the end: a long-lived remainder scattered
 * through that phase's memory), then allocates {@value #PHASE_MIB} MiB of its own sizes. Then
 * frees everything. Live bytes peak at about 580 MiB in the last phase.
 */
final class FragPhases extends OneThreadDriver {

    static final long PHASE_MIB = 384;
    static final double KEEP = 0.10;
    static final SizeMix SMALL = SizeMix.of(1, 16, 512);
    static final SizeMix MID = SizeMix.of(1, 1024, 32768);
    static final SizeMix LARGE = SizeMix.of(1, 65536, 524288);
    static final SizeMix[] PHASES = {SMALL, MID, LARGE, SMALL, MID, LARGE};

    FragPhases() {
        super(6);
    }

    @Override
    public String name() {
        return "frag-phases";
    }

    @Override
    public String description() {
        return "one thread: 6 phases of " + PHASE_MIB + " MiB each, small (" + SMALL + "), mid (" + MID
                + "), large (" + LARGE + "), small, mid, large; each first frees a random 90 % of the previous "
                + "phase's blocks and keeps 10 % to the end; then free all";
    }

    @Override
    void body(Workload w) {
        long volume = Math.max(1, (long) (PHASE_MIB * w.scale() * (1 << 20)));
        LiveBytes live = w.live();
        Xorshift64Star random = new Xorshift64Star(w.seed());
        List<BlockTable> tables = new ArrayList<>();
        List<int[]> sizes = new ArrayList<>();
        for (int p = 0; p < PHASES.length; p++) {
            w.phases().begin("phase " + (p + 1) + ": " + (p > 0 ? "free 90 % of phase " + p + ", " : "") + PHASES[p]);
            if (p > 0) {
                BlockTable previous = tables.get(p - 1);
                int[] size = sizes.get(p - 1);
                for (int i = 0; i < size.length; i++) {
                    if (SizeMix.uniform(random) >= KEEP) {
                        Blocks.free(previous, i, size[i], live);
                        size[i] = 0;
                    }
                }
            }
            int[] size = draw(PHASES[p], volume, random);
            BlockTable table = w.allocator().newTable(size.length, false);
            tables.add(table);
            sizes.add(size);
            for (int i = 0; i < size.length; i++) {
                Blocks.allocate(table, i, size[i], live);
            }
        }
        w.phases().begin("free all");
        for (int p = 0; p < tables.size(); p++) {
            int[] size = sizes.get(p);
            for (int i = 0; i < size.length; i++) {
                if (size[i] != 0) {
                    Blocks.free(tables.get(p), i, size[i], live);
                    size[i] = 0;
                }
            }
        }
    }

    /** Sizes of {@code mix} until they add up to {@code volume} bytes. */
    private static int[] draw(SizeMix mix, long volume, Xorshift64Star random) {
        int[] out = new int[(int) Math.min(Integer.MAX_VALUE - 16, volume / (long) mix.mean() + 64)];
        int n = 0;
        long sum = 0;
        while (sum < volume) {
            if (n == out.length) {
                out = java.util.Arrays.copyOf(out, out.length + out.length / 4 + 16);
            }
            out[n] = (int) mix.draw(random);
            sum += out[n++];
        }
        return java.util.Arrays.copyOf(out, n);
    }
}
