package dev.hakmem.bench.driver;

/**
 * large-churn {@code CYCLES WS SEED [MIN MAX]}: random-mixed's loop over blocks of 32 KiB - 512 KiB
 * by default, each written all over when allocated: WS slots; each cycle picks a random slot and
 * frees its block if it holds one, else allocates a random size into it and fills every byte.
 * ops = CYCLES. What a churn of large blocks costs where their pages are used, not only placed:
 * the price of giving pages back that the next owner of a block writes again (hakmem's
 * {@code hakmem.largeSlackAge}, docs/results/memory). Not in the quick suite (a few hundred
 * thousand operations take seconds); run it with {@code --drivers large-churn} or {@code SideBySide}.
 */
public final class LargeChurn extends RandomMixed {

    public LargeChurn() {
        super("large-churn", true, "200000", "64", "42", "32769", "524288");
    }

    @Override
    public double estimateSeconds(Params p) {
        return p.longAt(0, 0) * 6e-6;
    }
}
