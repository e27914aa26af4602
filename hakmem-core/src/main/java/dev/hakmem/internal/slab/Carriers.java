package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Config;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The carrier of the current thread: the platform thread a virtual thread runs on, so that
 * virtual threads allocate from their carrier's heap as platform threads do from their own, with
 * no atomic operation on the fast path.
 *
 * <p>The JDK tells a library the carrier only through an internal interface. hakmem uses it when
 * the JVM is started with
 * <pre>
 * --add-exports java.base/jdk.internal.access=ALL-UNNAMED     (hakmem on the class path)
 * --add-exports java.base/jdk.internal.access=dev.hakmem      (hakmem on the module path)
 * </pre>
 * and {@code hakmem.carrierHeaps} is not {@code false}; this is detected once, at start-up
 * ({@link #AVAILABLE}). Without it, {@link #current()} is {@link Thread#currentThread()}, and
 * virtual threads use the striped {@link SharedHeaps} instead (correct, but one compare-and-set
 * per operation).
 *
 * <p>For a platform thread {@link #current()} is the thread itself. For a virtual thread the
 * answer stays true until the thread next blocks: in JDK 25 a virtual thread is unmounted (and
 * may move to another carrier) only when it parks or blocks, never between two instructions. The
 * allocator's fast paths never block; its slow paths may (a lock), and {@link Heap} keeps them
 * safe with the BUSY protocol described there.
 */
final class Carriers {
    private Carriers() {}

    /** Whether {@link #current()} returns carriers (the JDK lets hakmem see them, and carrier heaps are on). */
    static final boolean AVAILABLE;
    /** Why carriers are not used, for diagnostics; null when they are. */
    static final String UNAVAILABLE_REASON;

    static {
        String reason = null;
        if (!Config.flag("carrierHeaps", true)) {
            reason = "hakmem.carrierHeaps=false";
        } else {
            try {
                // through method handles: linking Jla fails when java.base does not export the package
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                Class<?> secrets = Class.forName("jdk.internal.access.SharedSecrets");
                Class<?> access = Class.forName("jdk.internal.access.JavaLangAccess");
                Object jla = lookup.findStatic(secrets, "getJavaLangAccess", MethodType.methodType(access)).invoke();
                MethodHandle carrier = lookup.findVirtual(access, "currentCarrierThread", MethodType.methodType(Thread.class))
                        .bindTo(jla);
                Thread got = (Thread) carrier.invokeExact();
                Thread me = Thread.currentThread();
                if (got == null || got.isVirtual() || (!me.isVirtual() && got != me)) {
                    throw new IllegalStateException("currentCarrierThread() answered " + got + " on " + me);
                }
            } catch (Throwable e) {
                reason = "java.base does not export jdk.internal.access to hakmem (" + e.getClass().getSimpleName()
                        + "): add --add-exports java.base/jdk.internal.access=ALL-UNNAMED (or =dev.hakmem)";
            }
        }
        AVAILABLE = reason == null;
        UNAVAILABLE_REASON = reason;
    }

    /**
     * The current thread's carrier (itself for a platform thread), or the current thread when
     * carriers are not available (then a virtual thread is its own "carrier" and has no heap).
     * Small enough for C2 to inline everywhere: {@code currentThread()} is an intrinsic that C2
     * may hoist out of a loop (the thread a piece of code runs as never changes),
     * {@code isVirtual()} a type check, and the carrier a second intrinsic, which C2 reloads at
     * every use (a virtual thread may move to another carrier at any call that can block).
     */
    static Thread current() {
        Thread t = Thread.currentThread();
        return t.isVirtual() && AVAILABLE ? Jla.ACCESS.currentCarrierThread() : t;
    }

    /**
     * The id of {@code t}'s carrier, {@code t} the current thread: {@code t}'s own id for a platform
     * thread (nothing is loaded but what the caller has; a loop that allocates keeps it in a
     * register), its carrier's for a virtual thread when {@link #AVAILABLE}.
     */
    static long carrierId(Thread t) {
        return t.isVirtual() && AVAILABLE ? Jla.ACCESS.currentCarrierThread().threadId() : t.threadId();
    }

    /**
     * The JDK's access object, in a class of its own: initialised only once {@link #AVAILABLE}
     * says java.base exports {@code jdk.internal.access} to hakmem (linking it fails otherwise).
     */
    private static final class Jla {
        static final jdk.internal.access.JavaLangAccess ACCESS = jdk.internal.access.SharedSecrets.getJavaLangAccess();
    }
}
