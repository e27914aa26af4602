package dev.hakmem.bench.placement;

import java.util.Arrays;

/**
 * The 4 KiB pages of a model address space that live blocks overlap: what an allocator that
 * placed its blocks there would hold resident at the least, if it gave every page without a live
 * block back to the OS at once (no metadata, no purge delay). Counts blocks per page and keeps
 * the peak of the pages in use.
 *
 * <pre>
 * address a:  region a &gt;&gt;&gt; 36 (16 of 64 GiB each), page (a &amp; (64 GiB - 1)) &gt;&gt;&gt; 12 in it
 * blocks[region][page] = live blocks overlapping that page; inUse = pages with blocks &gt; 0
 * </pre>
 * Not thread-safe: {@link ModelAllocator} calls it under its lock.
 */
public final class PageLedger {

    public static final int PAGE = 4096;
    private static final int REGION_SHIFT = 36;
    private static final int REGIONS = 16;

    private final int[][] blocks = new int[REGIONS][];
    private long inUse;
    private long peak;

    /** Start of model region {@code r}: placements each take their own region, so their addresses never meet. */
    public static long region(int r) {
        if (r < 0 || r >= REGIONS) {
            throw new IllegalArgumentException("region " + r + " of " + REGIONS);
        }
        return (long) r << REGION_SHIFT;
    }

    /** A block of {@code size} bytes at {@code address} became live. */
    public void add(long address, long size) {
        int[] pages = pages(address, size);
        int first = page(address);
        int last = page(address + size - 1);
        for (int p = first; p <= last; p++) {
            if (pages[p]++ == 0) {
                inUse++;
            }
        }
        if (inUse > peak) {
            peak = inUse;
        }
    }

    /** The live block of {@code size} bytes at {@code address} was freed. */
    public void remove(long address, long size) {
        int[] pages = pages(address, size);
        int first = page(address);
        int last = page(address + size - 1);
        for (int p = first; p <= last; p++) {
            int n = pages[p];
            if (n <= 0) {
                throw new IllegalStateException("page " + p + " of region " + (address >>> REGION_SHIFT)
                        + " has no live block to remove (" + size + " bytes at 0x" + Long.toHexString(address) + ")");
            }
            pages[p] = n - 1;
            if (n == 1) {
                inUse--;
            }
        }
    }

    /** Pages overlapped by live blocks now. */
    public long pagesInUse() {
        return inUse;
    }

    /** The most pages in use at once so far. */
    public long peakPages() {
        return peak;
    }

    private static int page(long address) {
        return (int) ((address & ((1L << REGION_SHIFT) - 1)) >>> 12);
    }

    private int[] pages(long address, long size) {
        if (size <= 0 || address < 0 || (address >>> REGION_SHIFT) != ((address + size - 1) >>> REGION_SHIFT)
                || (address >>> REGION_SHIFT) >= REGIONS) {
            throw new IllegalArgumentException(size + " bytes at 0x" + Long.toHexString(address) + ": not inside one region");
        }
        int r = (int) (address >>> REGION_SHIFT);
        int need = page(address + size - 1) + 1;
        int[] pages = blocks[r];
        if (pages == null || pages.length < need) {
            int grown = pages == null ? Math.max(need, 1 << 16) : Math.max(need, pages.length * 2);
            pages = pages == null ? new int[grown] : Arrays.copyOf(pages, grown);
            blocks[r] = pages;
        }
        return pages;
    }
}
