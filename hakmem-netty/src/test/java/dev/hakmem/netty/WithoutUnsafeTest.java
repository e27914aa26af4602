package dev.hakmem.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.internal.PlatformDependent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * In a JVM where Netty may not use {@code sun.misc.Unsafe} ({@code -Dio.netty.noUnsafe=true},
 * a child JVM), heap buffers are Netty's plain {@code UnpooledHeapByteBuf} (as
 * {@code UnpooledByteBufAllocator} chooses) and direct buffers still work on hakmem blocks.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class WithoutUnsafeTest {

    /** The child JVM: prints one line per check and exits 0 when all held. */
    public static void main(String[] args) {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        check(!PlatformDependent.hasUnsafe(), "Netty runs without Unsafe");
        HakmemByteBufAllocator alloc = HakmemByteBufAllocator.DEFAULT;
        ByteBuf heap = alloc.heapBuffer(10);
        check(heap.getClass().getSuperclass() == UnpooledHeapByteBuf.class, "heap class " + heap.getClass().getName());
        heap.writeInt(3);
        check(heap.getInt(0) == 3, "heap content");
        heap.release();
        ByteBuf direct = alloc.directBuffer(4);
        direct.writeCharSequence("hakmem netty", StandardCharsets.US_ASCII); // grows, writes through the NIO view
        check(direct.toString(StandardCharsets.US_ASCII).equals("hakmem netty"), "direct content");
        check(alloc.metric().usedDirectMemory() == direct.capacity(), "direct metric");
        direct.release();
        check(alloc.metric().usedDirectMemory() == 0, "released");
        System.out.println("all checks passed");
    }

    private static void check(boolean ok, String what) {
        System.out.println((ok ? "ok " : "FAILED ") + what);
        if (!ok) {
            System.exit(1);
        }
    }

    @Test
    void heapBuffersAreThePlainOnesAndDirectOnesWork() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Dio.netty.noUnsafe=true",
                "-cp", System.getProperty("java.class.path"), WithoutUnsafeTest.class.getName()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(50, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("all checks passed"), out);
    }
}
