package dev.hakmem.internal.stats;

import dev.hakmem.AllocatorMXBean;
import dev.hakmem.internal.Config;

import java.lang.management.ManagementFactory;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Hooks hakmem into the JVM's own tools, once per JVM:
 * <ul>
 * <li>registers the {@link AllocatorMXBean} as {@value AllocatorMXBean#OBJECT_NAME} in the
 *     platform MBean server, unless {@code hakmem.jmx=false} ({@code HAKMEM_JMX=0}). This is done
 *     by a short-lived daemon thread, {@code hakmem-jmx}: creating the platform MBean server
 *     takes a good part of a second when nothing else has, and the first {@code malloc} should
 *     not wait for it;</li>
 * <li>with {@code hakmem.stats=true} ({@code HAKMEM_STATS=1}), adds a shutdown hook that prints
 *     {@link ExitReport} to standard error.</li>
 * </ul>
 * The Flight Recorder events ({@link Events}) need no set-up.
 */
public final class Observability {
    private Observability() {}

    private static volatile boolean done;

    /**
     * Does the set-up the first time it is called; later calls return at once. Never throws and
     * never blocks on JMX (the MXBean appears in the platform MBean server shortly after).
     */
    public static void init() {
        if (!done) {
            initOnce();
        }
    }

    private static synchronized void initOnce() {
        if (done) {
            return;
        }
        done = true;
        boolean jmx = true;
        boolean report = false;
        try {
            jmx = Config.flag("jmx", true);
            report = Config.flag("stats", false);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage() + " (hakmem observability settings ignored)");
        }
        if (report) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.print(ExitReport.now()), "hakmem-stats"));
        }
        if (jmx) {
            Thread.ofPlatform().name("hakmem-jmx").daemon().start(Observability::registerMXBean);
        }
    }

    private static void registerMXBean() {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            server.registerMBean(new AllocatorBean(), new ObjectName(AllocatorMXBean.OBJECT_NAME));
        } catch (InstanceAlreadyExistsException e) {
            // another copy of hakmem (another class loader) got there first: its figures are shown
        } catch (JMException | RuntimeException | LinkageError e) {
            System.err.println("hakmem: could not register the MXBean " + AllocatorMXBean.OBJECT_NAME + ": " + e);
        }
    }
}
