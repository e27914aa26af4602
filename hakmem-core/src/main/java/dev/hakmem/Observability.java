package dev.hakmem;

import dev.hakmem.internal.config.Config;

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
 *     takes a good part of a second when nothing else has, and neither the first {@code malloc}
 *     nor the JIT's warm-up should share the CPU with it. So the thread waits
 *     {@code hakmem.jmx.delayMs} (default 2000) first, unless the JVM's JMX agent is configured
 *     ({@code com.sun.management.jmxremote*} properties), in which case the server exists anyway
 *     and the bean is registered at once;</li>
 * <li>with {@code hakmem.stats=true} ({@code HAKMEM_STATS=1}), adds a shutdown hook that prints
 *     {@link ExitReport} to standard error.</li>
 * </ul>
 * The Flight Recorder events ({@code dev.hakmem.internal.event.Events}) need no set-up.
 */
final class Observability {
    private Observability() {}

    private static volatile boolean done;

    /**
     * Does the set-up the first time it is called; later calls return at once. Never throws and
     * never blocks on JMX (the MXBean appears in the platform MBean server shortly after).
     */
    static void init() {
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
            long delay = agentConfigured() ? 0 : Math.max(0, Config.integer("jmx.delayMs", 2000));
            Thread t = Thread.ofPlatform().name("hakmem-jmx").daemon().unstarted(() -> registerMXBean(delay));
            t.setPriority(Thread.MIN_PRIORITY);
            t.start();
        }
    }

    private static boolean agentConfigured() {
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("com.sun.management.jmxremote")) {
                return true;
            }
        }
        return false;
    }

    private static void registerMXBean(long delayMs) {
        try {
            if (delayMs > 0) {
                Thread.sleep(delayMs);
            }
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            server.registerMBean(new AllocatorBean(), new ObjectName(AllocatorMXBean.OBJECT_NAME));
        } catch (InstanceAlreadyExistsException e) {
            // another copy of hakmem (another class loader) got there first: its figures are shown
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (JMException | RuntimeException | LinkageError e) {
            System.err.println("hakmem: could not register the MXBean " + AllocatorMXBean.OBJECT_NAME + ": " + e);
        }
    }
}
