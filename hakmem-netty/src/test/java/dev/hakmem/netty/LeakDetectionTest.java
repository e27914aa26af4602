package dev.hakmem.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.LeakListenerAccess;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Netty's leak detector on paranoid reports a hakmem buffer that is garbage collected without
 * being released, with the place it was allocated, as it reports Netty's own buffers.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class LeakDetectionTest {

    /** Allocates a buffer, writes to it and drops it without releasing it. */
    private static void leakOne(HakmemByteBufAllocator alloc) {
        ByteBuf b = alloc.directBuffer(777);
        b.writeInt(1);
    }

    @Test
    void paranoidReportsADroppedBuffer() throws Exception {
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        List<String> reports = new CopyOnWriteArrayList<>();
        List<String> types = new CopyOnWriteArrayList<>();
        HakmemByteBufAllocator alloc = new HakmemByteBufAllocator(true);
        try {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
            LeakListenerAccess.setListener((type, records) -> {
                types.add(type);
                reports.add(records);
            });
            leakOne(alloc);
            assertEquals(777, alloc.metric().usedDirectMemory(), "the dropped buffer still holds its block");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (reports.stream().noneMatch(r -> r.contains("leakOne")) && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(10);
                alloc.directBuffer(8).release(); // the detector reports when it tracks a new buffer
            }
        } finally {
            LeakListenerAccess.setListener(null);
            ResourceLeakDetector.setLevel(level);
        }
        assertTrue(reports.stream().anyMatch(r -> r.contains("LeakDetectionTest.leakOne")),
                "a leak report naming the allocation site; got " + reports);
        assertTrue(types.contains("ByteBuf"), types.toString());
        assertEquals(777, alloc.metric().usedDirectMemory(), "a leaked block stays allocated, as with Netty's pools");
    }
}
