package dev.hakmem.netty;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;

/**
 * Direct NIO {@link ByteBuffer}s over raw addresses: what a buffer hands Netty when it asks for
 * an NIO view (channel reads and writes, {@code nioBuffer}).
 *
 * <p>Through the JDK's {@code JavaNioAccess.newDirectByteBuffer(long, int)} (the constructor
 * JNI's {@code NewDirectByteBuffer} uses: no cleaner, no attachment, big-endian, writable), a
 * view is one object of 64 bytes, as the duplicate Netty's adaptive allocator makes; reaching it
 * needs the JVM to export {@code jdk.internal.access} to hakmem-netty ({@code --add-exports
 * java.base/jdk.internal.access=ALL-UNNAMED}, on the module path {@code =dev.hakmem.netty}, the
 * flag hakmem's carrier heaps use too) and
 * {@code hakmem.netty.jdkByteBuffers} not {@code false}. Without it, a view is a slice of the
 * all-of-memory segment turned into a buffer ({@link java.lang.foreign.MemorySegment#asByteBuffer}):
 * the same buffer, plus the slice the JIT does not take out (104 bytes per view). Measured and held
 * by {@code HeapAllocationTest}.
 */
final class NioViews {
    private NioViews() {}

    /** {@code JavaNioAccess.newDirectByteBuffer(long, int)} bound to the JDK's instance, or null. */
    private static final MethodHandle NEW_DIRECT;
    /** Why {@link #NEW_DIRECT} is null, for diagnostics; null when it is not. */
    static final String UNAVAILABLE_REASON;

    static {
        MethodHandle h = null;
        String reason = null;
        if (!Knobs.flag("jdkByteBuffers", true)) {
            reason = "hakmem.netty.jdkByteBuffers=false";
        } else {
            try {
                Class<?> secrets = Class.forName("jdk.internal.access.SharedSecrets");
                Class<?> type = Class.forName("jdk.internal.access.JavaNioAccess");
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                Object nio = lookup.findStatic(secrets, "getJavaNioAccess", MethodType.methodType(type)).invoke();
                h = lookup.findVirtual(type, "newDirectByteBuffer", MethodType.methodType(ByteBuffer.class, long.class, int.class))
                        .bindTo(nio);
                ByteBuffer probe = (ByteBuffer) h.invokeExact(0L, 0);
                if (!probe.isDirect() || probe.isReadOnly() || probe.capacity() != 0) {
                    throw new IllegalStateException("newDirectByteBuffer answered " + probe);
                }
            } catch (Throwable e) {
                h = null;
                reason = "java.base does not export jdk.internal.access to hakmem-netty (" + e.getClass().getSimpleName()
                        + "): add --add-exports java.base/jdk.internal.access=ALL-UNNAMED (module path: =dev.hakmem.netty)";
            }
        }
        NEW_DIRECT = h;
        UNAVAILABLE_REASON = reason;
    }

    /** Whether views are made through the JDK's constructor (one object each). */
    static boolean throughJdk() {
        return NEW_DIRECT != null;
    }

    /** A direct buffer over {@code [address, address + length)}: position 0, limit and capacity {@code length}. */
    static ByteBuffer over(long address, int length) {
        return NEW_DIRECT != null ? throughJdk(address, length) : throughSegment(address, length);
    }

    /** {@link #over} through the JDK's constructor; only when {@link #throughJdk()}. */
    static ByteBuffer throughJdk(long address, int length) {
        try {
            return (ByteBuffer) NEW_DIRECT.invokeExact(address, length);
        } catch (Throwable e) {
            throw new IllegalStateException("hakmem-netty: newDirectByteBuffer(" + address + ", " + length + ") failed", e);
        }
    }

    /** {@link #over} through a slice of the all-of-memory segment (the way without the export). */
    static ByteBuffer throughSegment(long address, int length) {
        return Native.ALL.asSlice(address, length).asByteBuffer();
    }
}
