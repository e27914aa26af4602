package dev.hakmem.arrow;

import dev.hakmem.Hakmem;
import java.lang.reflect.Field;
import org.apache.arrow.memory.AllocationManager;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.DefaultAllocationManagerOption;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.ReferenceManager;

/**
 * An Apache Arrow {@link AllocationManager} whose memory is one hakmem block per Arrow
 * allocation: {@link Hakmem#malloc(long)} when Arrow allocates, {@link Hakmem#free(long)} when
 * the last reference to the memory is released, whichever allocator holds it then.
 *
 * <pre>{@code
 * BufferAllocator root = new RootAllocator(RootAllocator.configBuilder()
 *         .allocationManagerFactory(HakmemAllocationManager.FACTORY)
 *         .maxAllocation(limit)
 *         .build());
 * }</pre>
 *
 * <p>Child allocators inherit the factory of their parent, so everything under that root is
 * hakmem memory. To make hakmem the manager of allocators that other code creates with
 * {@code new RootAllocator()}, call {@link #makeDefault()} at start-up or run the JVM with
 * {@code -javaagent:hakmem-arrow.jar}, which calls it before {@code main}.
 *
 * <p><b>Accounting.</b> {@link #getSize()} is the size Arrow asked for, which is the amount
 * Arrow's allocators charged against their limits for this memory (after Arrow's rounding
 * policy: by default the next power of two below 16 MiB). Arrow gives back exactly
 * {@code getSize()} bytes when the memory is released and moves {@code getSize()} bytes when
 * ownership is transferred, so reporting anything else would unbalance its accounting. The
 * hakmem block may be slightly larger ({@link Hakmem#usableSize(long)}: the size class, at
 * most 25 % above a request over 64 bytes, 12.5 % for one of 1-32 KiB, and exact for powers
 * of two); that slack is hakmem's, invisible to Arrow, and shows in {@link Hakmem#stats()}.
 *
 * <p>Memory is not zeroed, as with Arrow's {@code Unsafe} manager: Arrow's vectors zero the
 * buffers they allocate themselves. When hakmem cannot get memory ({@code hakmem.maxMemory}, or the
 * OS refused), Arrow's {@link OutOfMemoryException} is thrown with hakmem's
 * {@link OutOfMemoryError} as its cause, and Arrow undoes its accounting of the request.
 */
public final class HakmemAllocationManager extends AllocationManager {

    /** The factory to give {@code RootAllocator.configBuilder().allocationManagerFactory(...)}. */
    public static final AllocationManager.Factory FACTORY = new AllocationManager.Factory() {
        @Override
        public AllocationManager create(BufferAllocator accountingAllocator, long size) {
            long address = allocate(size);
            try {
                return new HakmemAllocationManager(accountingAllocator, address, size);
            } catch (Throwable t) {
                // the allocator was closed, or Arrow refused the association: the block is ours to free
                Hakmem.free(address);
                throw t;
            }
        }

        @Override
        public ArrowBuf empty() {
            return Empty.BUFFER;
        }

        @Override
        public String toString() {
            return "HakmemAllocationManager.FACTORY";
        }
    };

    /**
     * The empty buffer every root allocator of this factory shares, created on first use: building
     * an {@link ArrowBuf} initialises Arrow's allocator classes, which must not happen inside
     * {@link #makeDefault()}. Address 0 and capacity 0, as with Arrow's {@code Unsafe} manager.
     */
    private static final class Empty {
        static final ArrowBuf BUFFER = new ArrowBuf(ReferenceManager.NO_OP, null, 0, 0);
    }

    private final long address;
    private final long size;

    private HakmemAllocationManager(BufferAllocator accountingAllocator, long address, long size) {
        super(accountingAllocator);
        this.address = address;
        this.size = size;
    }

    private static long allocate(long size) {
        try {
            return Hakmem.malloc(size);
        } catch (OutOfMemoryError e) {
            throw new OutOfMemoryException("hakmem could not allocate " + size + " bytes: " + e.getMessage(), e);
        }
    }

    /**
     * The bytes Arrow asked for and charged to its allocators for this memory; the hakmem block
     * holds at least as many.
     */
    @Override
    public long getSize() {
        return size;
    }

    /** The hakmem block's address. */
    @Override
    protected long memoryAddress() {
        return address;
    }

    /** Frees the hakmem block; Arrow calls it once, when the last reference is released. */
    @Override
    protected void release0() {
        Hakmem.free(address);
    }

    /**
     * Makes hakmem the manager Arrow uses when none is named: for {@code new RootAllocator()},
     * {@code new RootAllocator(limit)} and every other root allocator whose config does not name
     * a factory, and their children.
     *
     * <p>Call it once at start-up, before other threads use Arrow (or use
     * {@code -javaagent:hakmem-arrow.jar}, which calls it before {@code main}). Called before
     * Arrow's allocator classes are initialised, it also spares Arrow its search for a default
     * manager on the class path, so hakmem-arrow needs neither {@code arrow-memory-netty} nor
     * {@code arrow-memory-unsafe}. Called later, it still applies to the root allocators created
     * after it, except those built from {@code BaseAllocator.defaultConfig()}, which keeps the
     * manager Arrow had resolved.
     *
     * <p>Arrow 19 has no public way to set its default, so this sets the private static field
     * {@code DefaultAllocationManagerOption.DEFAULT_ALLOCATION_MANAGER_FACTORY} by reflection. On
     * the class path that needs nothing more; on the module path it needs
     * {@code --add-opens org.apache.arrow.memory.core/org.apache.arrow.memory=dev.hakmem.arrow}.
     *
     * @return {@code true} if no default had been resolved yet (every allocator, the default
     *         config's included, uses hakmem), {@code false} if Arrow had already resolved one
     *         (another manager, or hakmem from an earlier call)
     * @throws IllegalStateException if the field cannot be set (an Arrow version without it, or
     *                               the module path without the {@code --add-opens})
     */
    public static synchronized boolean makeDefault() {
        Field field = defaultFactoryField();
        try {
            Object before = field.get(null);
            field.set(null, FACTORY);
            return before == null;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("hakmem-arrow: cannot set Arrow's default allocation manager: " + e, e);
        }
    }

    /**
     * The factory Arrow uses when none is named, or {@code null} if Arrow has not resolved one
     * yet (its allocator classes are not initialised and {@link #makeDefault()} was not called).
     *
     * @throws IllegalStateException as {@link #makeDefault()}
     */
    public static AllocationManager.Factory currentDefault() {
        try {
            return (AllocationManager.Factory) defaultFactoryField().get(null);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("hakmem-arrow: cannot read Arrow's default allocation manager: " + e, e);
        }
    }

    private static Field defaultFactoryField() {
        try {
            Field f = DefaultAllocationManagerOption.class.getDeclaredField("DEFAULT_ALLOCATION_MANAGER_FACTORY");
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException | RuntimeException e) {
            throw new IllegalStateException("hakmem-arrow: cannot reach DefaultAllocationManagerOption"
                    + ".DEFAULT_ALLOCATION_MANAGER_FACTORY (Arrow 19's private default; on the module path add "
                    + "--add-opens org.apache.arrow.memory.core/org.apache.arrow.memory=dev.hakmem.arrow): " + e, e);
        }
    }
}
