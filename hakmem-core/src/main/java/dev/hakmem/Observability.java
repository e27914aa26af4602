package dev.hakmem;

import dev.hakmem.internal.config.Config;

import java.lang.management.ManagementFactory;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;

/**
 * Hooks hakmem into the JVM's own tools, once per JVM:
 * <ul>
 * <li>registers the {@link AllocatorMXBean} as {@value AllocatorMXBean#OBJECT_NAME} in the
 *     platform MBean server, unless {@code hakmem.jmx=false} ({@code HAKMEM_JMX=0}). Creating that
 *     server costs a good part of a second of CPU and several MiB the first time anything asks for
 *     it, so hakmem never creates it on its own: a daemon thread, {@code hakmem-jmx}, looks every
 *     {@code hakmem.jmx.pollMs} (default 1000) whether an MBean server exists
 *     ({@link MBeanServerFactory#findMBeanServer}, a copy of a short list) and registers the bean
 *     as soon as one does: when a JMX client attaches (the JDK's agent creates the server), or the
 *     program asks for the platform server itself. A program that never uses JMX never pays for
 *     it. With the JVM's JMX agent configured ({@code com.sun.management.jmxremote*} properties)
 *     the server exists anyway and the bean is registered at once. {@code hakmem.jmx.delayMs} set
 *     to 0 or more asks for the old eager way instead: the thread waits that long, then creates
 *     the server if need be and registers the bean;</li>
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
            long delay = agentConfigured() ? 0 : Config.integer("jmx.delayMs", -1);
            long poll = Math.max(1, Config.integer("jmx.pollMs", 1000));
            Thread t = Thread.ofPlatform().name("hakmem-jmx").daemon().unstarted(() -> registerMXBean(delay, poll));
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

    /**
     * Registers the bean: after {@code delayMs} when it is 0 or more (creating the platform server
     * if need be), otherwise once some MBean server exists, looking every {@code pollMs}.
     */
    private static void registerMXBean(long delayMs, long pollMs) {
        try {
            if (delayMs > 0) {
                Thread.sleep(delayMs);
            }
            while (delayMs < 0 && MBeanServerFactory.findMBeanServer(null).isEmpty()) {
                Thread.sleep(pollMs);
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
