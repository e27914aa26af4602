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

    /** {@code JavaLangAccess.currentCarrierThread()} bound to the JDK's instance, or {@code Thread.currentThread()}. */
    private static final MethodHandle CARRIER;
    /** Whether {@link #current()} returns carriers (the JDK lets hakmem see them, and carrier heaps are on). */
    static final boolean AVAILABLE;
    /** Why carriers are not used, for diagnostics; null when they are. */
    static final String UNAVAILABLE_REASON;

    static {
        MethodHandle carrier = null;
        String reason = null;
        if (!Config.flag("carrierHeaps", true)) {
            reason = "hakmem.carrierHeaps=false";
        } else {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                Class<?> secrets = Class.forName("jdk.internal.access.SharedSecrets");
                Class<?> access = Class.forName("jdk.internal.access.JavaLangAccess");
                Object jla = lookup.findStatic(secrets, "getJavaLangAccess", MethodType.methodType(access)).invoke();
                carrier = lookup.findVirtual(access, "currentCarrierThread", MethodType.methodType(Thread.class))
                        .bindTo(jla);
                Thread got = (Thread) carrier.invokeExact();
                Thread me = Thread.currentThread();
                if (got == null || got.isVirtual() || (!me.isVirtual() && got != me)) {
                    throw new IllegalStateException("currentCarrierThread() answered " + got + " on " + me);
                }
            } catch (Throwable e) {
                carrier = null;
                reason = "java.base does not export jdk.internal.access to hakmem (" + e.getClass().getSimpleName()
                        + "): add --add-exports java.base/jdk.internal.access=ALL-UNNAMED (or =dev.hakmem)";
            }
        }
        if (carrier == null) {
            try {
                carrier = MethodHandles.lookup().findStatic(Thread.class, "currentThread", MethodType.methodType(Thread.class));
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
        CARRIER = carrier;
        AVAILABLE = reason == null;
        UNAVAILABLE_REASON = reason;
    }

    /**
     * The current thread's carrier (itself for a platform thread), or the current thread when
     * carriers are not available. A platform thread is answered without the JDK's interface:
     * {@code currentThread()} is an intrinsic and {@code isVirtual()} a type check.
     */
    static Thread current() {
        Thread t = Thread.currentThread();
        return t.isVirtual() ? carrierOfVirtual() : t;
    }

    /**
     * The carrier of the current thread, a virtual thread: a direct call of the JDK's
     * {@code JavaLangAccess.currentCarrierThread()} on a constant, which C2 inlines down to the
     * {@code Thread.currentCarrierThread()} intrinsic, when {@link #AVAILABLE}; else through the
     * method handle (the current thread itself).
     */
    private static Thread carrierOfVirtual() {
        if (AVAILABLE) {
            return Jla.ACCESS.currentCarrierThread();
        }
        try {
            return (Thread) CARRIER.invokeExact();
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The JDK's access object, in a class of its own: initialised only once {@link #AVAILABLE}
     * says java.base exports {@code jdk.internal.access} to hakmem (linking it fails otherwise).
     */
    private static final class Jla {
        static final jdk.internal.access.JavaLangAccess ACCESS = jdk.internal.access.SharedSecrets.getJavaLangAccess();
    }
}
