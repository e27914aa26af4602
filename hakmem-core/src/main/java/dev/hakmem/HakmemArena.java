package dev.hakmem;

import dev.hakmem.internal.arena.AddressList;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An {@link Arena} whose segments are hakmem blocks, all freed together by {@link #close()}.
 *
 * <p>It behaves like the JDK's {@link Arena#ofConfined()} and {@link Arena#ofShared()}: every
 * segment is bound to the arena's {@link #scope() scope}, so using a segment after
 * {@code close()} throws {@link IllegalStateException}, and a confined arena rejects (with
 * {@link WrongThreadException}) allocation, access and {@code close()} from any thread but its
 * owner. The difference is the memory: segments come from hakmem's thread caches instead of one
 * {@code malloc} each (and are not zeroed), and {@code close()} returns them to hakmem in one
 * pass: "open, allocate many small segments, close" on a confined arena takes about half the
 * time of the same cycle on {@link Arena#ofConfined()} or less ({@code ArenaBench} in
 * hakmem-bench). A shared arena's {@code close()} costs what the JDK's does (a handshake with
 * all threads), so it gains only when it holds many segments.
 *
 * <p>Segments are <b>not zeroed</b> (the JDK's arenas zero them): use {@link #allocateZeroed}
 * when the contents must start as zeros. The {@code allocateFrom} methods of
 * {@link java.lang.foreign.SegmentAllocator} write every byte of the segments they return, so
 * they give the same contents as with a JDK arena.
 *
 * <pre>{@code
 * try (HakmemArena arena = HakmemArena.ofConfined()) {
 *     MemorySegment point = arena.allocate(ValueLayout.JAVA_INT, 2);
 *     MemorySegment name = arena.allocateFrom("hakmem");
 *     ...
 * } // every segment is freed here, and is no longer accessible
 * }</pre>
 *
 * An arena that is never closed keeps its blocks for the life of the process, like a JDK
 * confined or shared arena.
 */
public final class HakmemArena implements Arena {

    /** A JDK arena used only for its scope: it never allocates. */
    private final Arena scope;
    /**
     * All of the address space, bound to {@link #scope}: every segment handed out is a slice of
     * it, which binds the segment to the scope without a restricted call per allocation.
     */
    private final MemorySegment everything;
    /** The owner thread of a confined arena; {@code null} for a shared one. */
    private final Thread owner;
    /** The blocks to free on close; a shared arena guards it (and {@link #closed}'s updates) with its monitor. */
    private final AddressList blocks = new AddressList();
    private volatile boolean closed;

    private HakmemArena(Arena scope, Thread owner) {
        this.scope = scope;
        this.owner = owner;
        this.everything = MemorySegment.NULL.reinterpret(Long.MAX_VALUE, scope, null);
    }

    /**
     * A new confined arena: only the calling thread may allocate from it, access its segments and
     * close it.
     */
    public static HakmemArena ofConfined() {
        return new HakmemArena(Arena.ofConfined(), Thread.currentThread());
    }

    /**
     * A new shared arena: any thread may allocate from it (allocation takes a lock), access its
     * segments and close it. Closing it costs what closing {@link Arena#ofShared()} costs (a
     * handshake with all threads) plus one {@code free} per segment.
     */
    public static HakmemArena ofShared() {
        return new HakmemArena(Arena.ofShared(), null);
    }

    /**
     * A segment of {@code byteSize} bytes at an address that is a multiple of
     * {@code byteAlignment}, bound to this arena's scope. Its contents are unspecified (not zeroed).
     *
     * @throws IllegalArgumentException if {@code byteSize < 0}, or {@code byteAlignment} is not a
     *                                  positive power of two
     * @throws IllegalStateException    if this arena is closed
     * @throws WrongThreadException     if this arena is confined and the caller is not its owner
     * @throws OutOfMemoryError         if hakmem cannot get the memory
     */
    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        if (owner != null) {
            return everything.asSlice(takeConfined(byteSize, byteAlignment), byteSize);
        }
        MemorySegment s = everything.asSlice(takeShared(byteSize, byteAlignment), byteSize);
        if (closed) {
            // closed by another thread since the block was recorded; close() frees the block
            throw alreadyClosed();
        }
        return s;
    }

    /** Like {@link #allocate(long, long)}, but the segment is filled with zeros. */
    public MemorySegment allocateZeroed(long byteSize, long byteAlignment) {
        return allocate(byteSize, byteAlignment).fill((byte) 0);
    }

    /** Like {@link #allocate(long)}, but the segment is filled with zeros. */
    public MemorySegment allocateZeroed(long byteSize) {
        return allocateZeroed(byteSize, 1);
    }

    private long takeConfined(long size, long alignment) {
        if (Thread.currentThread() != owner) {
            throw new WrongThreadException("Attempted access outside owning thread");
        }
        if (closed) {
            throw alreadyClosed();
        }
        long a = Hakmem.alignedAlloc(alignment, size);
        blocks.add(a);
        return a;
    }

    private long takeShared(long size, long alignment) {
        if (closed) {
            throw alreadyClosed();
        }
        long a = Hakmem.alignedAlloc(alignment, size);
        synchronized (blocks) {
            if (!closed) {
                blocks.add(a);
                return a;
            }
        }
        // closed while we allocated: the block was never handed out
        Hakmem.free(a);
        throw alreadyClosed();
    }

    private static IllegalStateException alreadyClosed() {
        return new IllegalStateException("Already closed");
    }

    @Override
    public MemorySegment.Scope scope() {
        return scope.scope();
    }

    /**
     * Closes the scope (from now on every segment of this arena throws
     * {@link IllegalStateException} when used), then frees every segment's block.
     *
     * @throws IllegalStateException if the arena is already closed, or (as with the JDK's arenas)
     *                               one of its segments is in use by a native call; nothing is
     *                               freed then
     * @throws WrongThreadException  if the arena is confined and the caller is not its owner
     */
    @Override
    public void close() {
        if (owner != null) {
            scope.close(); // checks the owner and that it is open
            closed = true;
        } else {
            synchronized (blocks) {
                if (closed) {
                    throw alreadyClosed();
                }
                scope.close();
                closed = true;
            }
        }
        blocks.freeAll();
    }

    @Override
    public String toString() {
        return "HakmemArena[" + (owner != null ? "confined to " + owner.getName() : "shared")
                + (closed ? ", closed]" : ", open]");
    }
}
