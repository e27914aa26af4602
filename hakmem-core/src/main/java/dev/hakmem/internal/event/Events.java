package dev.hakmem.internal.event;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;

/**
 * hakmem's JDK Flight Recorder events, all in the category "hakmem", and their emitters.
 *
 * <p>Every event marks a cold path: an OS mapping, a trim, the memory limit, a misuse. Nothing
 * on the {@code malloc}/{@code free} fast paths emits. Each emitter allocates its event and
 * fills it only if {@code shouldCommit()} says a recording wants it. Until Flight Recorder has been
 * initialised (a recording started, at launch or later with {@code jcmd JFR.start}) the emitters
 * return before touching an event class: loading the first one would register it and start
 * JFR's metadata repository, ~100 ms of hakmem's start-up.
 *
 * <pre>
 * dev.hakmem.SuperSlabMapped    address, bytes          a SuperSlab was committed with mmap
 * dev.hakmem.SuperSlabUnmapped  address, bytes          a SuperSlab was given back to the OS
 * dev.hakmem.Trim               bytesReleased           Hakmem.trim() ran
 * dev.hakmem.LimitReached       requested, limit        an allocation would pass hakmem.maxMemory
 * dev.hakmem.Misuse             operation, address, reason   a bad address or a double free
 * </pre>
 */
public final class Events {
    private Events() {}

    /** A SuperSlab's mapping changed: the fields both SuperSlab events carry. */
    abstract static class SuperSlabEvent extends Event {
        @Label("Address")
        @MemoryAddress
        long address;

        @Label("Size")
        @DataAmount
        long bytes;
    }

    /** A SuperSlab was mapped read-write. */
    @Name("dev.hakmem.SuperSlabMapped")
    @Label("SuperSlab Mapped")
    @Category("hakmem")
    @Description("hakmem committed a SuperSlab (2 MiB) with mmap")
    static final class SuperSlabMapped extends SuperSlabEvent {
    }

    /** A SuperSlab was returned to the OS. */
    @Name("dev.hakmem.SuperSlabUnmapped")
    @Label("SuperSlab Unmapped")
    @Category("hakmem")
    @Description("hakmem gave a SuperSlab back to the OS")
    static final class SuperSlabUnmapped extends SuperSlabEvent {
    }

    /** {@code Hakmem.trim()} ran. */
    @Name("dev.hakmem.Trim")
    @Label("Trim")
    @Category("hakmem")
    @Description("Hakmem.trim() gave free memory back to the OS")
    static final class Trim extends Event {
        @Label("Bytes Released")
        @DataAmount
        long bytesReleased;
    }

    /** An allocation was refused because it would pass {@code hakmem.maxMemory}. */
    @Name("dev.hakmem.LimitReached")
    @Label("Memory Limit Reached")
    @Category("hakmem")
    @Description("An allocation would pass hakmem.maxMemory and throws OutOfMemoryError")
    static final class LimitReached extends Event {
        @Label("Requested")
        @Description("Bytes the allocation needed to map")
        @DataAmount
        long requested;

        @Label("Limit")
        @DataAmount
        long limit;
    }

    /** A caller passed a bad address or freed a block twice. */
    @Name("dev.hakmem.Misuse")
    @Label("Misuse")
    @Category("hakmem")
    @Description("A hakmem call with an unknown or interior address, or a double free")
    static final class Misuse extends Event {
        @Label("Operation")
        String operation;

        @Label("Address")
        @MemoryAddress
        long address;

        @Label("Reason")
        String reason;
    }

    /**
     * Whether Flight Recorder has been initialised. Until then no recording can want an event, and
     * the event classes stay unloaded: loading the first one registers it and starts JFR's
     * metadata repository.
     */
    private static boolean recorderStarted() {
        return FlightRecorder.isInitialized();
    }

    /** A SuperSlab of {@code bytes} bytes at {@code address} was committed. */
    public static void superSlabMapped(long address, long bytes) {
        if (recorderStarted()) {
            commit(new SuperSlabMapped(), address, bytes);
        }
    }

    /** The SuperSlab of {@code bytes} bytes at {@code address} was given back to the OS. */
    public static void superSlabUnmapped(long address, long bytes) {
        if (recorderStarted()) {
            commit(new SuperSlabUnmapped(), address, bytes);
        }
    }

    private static void commit(SuperSlabEvent e, long address, long bytes) {
        if (e.shouldCommit()) {
            e.address = address;
            e.bytes = bytes;
            e.commit();
        }
    }

    /** A trim gave {@code bytesReleased} bytes back to the OS. */
    public static void trim(long bytesReleased) {
        if (!recorderStarted()) {
            return;
        }
        Trim e = new Trim();
        if (e.shouldCommit()) {
            e.bytesReleased = bytesReleased;
            e.commit();
        }
    }

    /** Mapping {@code requested} more bytes would pass the limit of {@code limit} bytes. */
    public static void limitReached(long requested, long limit) {
        if (!recorderStarted()) {
            return;
        }
        LimitReached e = new LimitReached();
        if (e.shouldCommit()) {
            e.requested = requested;
            e.limit = limit;
            e.commit();
        }
    }

    /** {@code operation} was called with {@code address} and failed for {@code reason}. */
    public static void misuse(String operation, long address, String reason) {
        if (!recorderStarted()) {
            return;
        }
        Misuse e = new Misuse();
        if (e.shouldCommit()) {
            e.operation = operation;
            e.address = address;
            e.reason = reason;
            e.commit();
        }
    }
}
