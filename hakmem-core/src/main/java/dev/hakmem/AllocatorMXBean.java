package dev.hakmem;

import java.util.List;
import java.util.Map;

/**
 * The allocator's counters as a JMX MXBean, registered in the platform MBean server under
 * {@value #OBJECT_NAME} when hakmem starts (unless {@code hakmem.jmx=false}), so JConsole,
 * VisualVM, Mission Control or any JMX client can watch them.
 *
 * <p>Every attribute read takes a fresh {@link Hakmem#stats()} snapshot; reading is meant for
 * monitoring, not for a hot loop.
 *
 * <pre>{@code
 * MBeanServer server = ManagementFactory.getPlatformMBeanServer();
 * long live = (Long) server.getAttribute(new ObjectName("dev.hakmem:type=Allocator"), "LiveBytes");
 * }</pre>
 */
public interface AllocatorMXBean {

    /** The name the MXBean is registered under. */
    String OBJECT_NAME = "dev.hakmem:type=Allocator";

    /** {@link Stats#liveBytes()}: usable bytes of all blocks handed out and not yet freed. */
    long getLiveBytes();

    /** {@link Stats#mappedBytes()}: bytes currently mapped read-write from the OS. */
    long getMappedBytes();

    /** {@link Stats#mmapCalls()}. */
    long getMmapCalls();

    /** {@link Stats#munmapCalls()}. */
    long getMunmapCalls();

    /** {@link Stats#madviseCalls()}. */
    long getMadviseCalls();

    /** {@link Stats#populateCalls()}. */
    long getPopulateCalls();

    /** {@link Stats#superSlabs()}: SuperSlabs currently committed. */
    long getSuperSlabs();

    /** {@link Stats#heapsBorrowed()}: blocked threads' heaps emptied by the decay thread or a trim. */
    long getHeapsBorrowed();

    /** The limit {@code hakmem.maxMemory} in bytes, or -1 when none is set. */
    long getMaxMemory();

    /**
     * {@link Stats#sizeClasses()}: per size class its index, block size, allocations, frees,
     * refills and remote frees (a {@code CompositeData[]} to a generic JMX client).
     */
    List<Stats.SizeClass> getSizeClasses();

    /** Span acquisitions of the shared span pool per stage, by stage name. */
    Map<String, Long> getPoolStageHits();

    /** Runs {@link Hakmem#trim()}. */
    void trim();
}
