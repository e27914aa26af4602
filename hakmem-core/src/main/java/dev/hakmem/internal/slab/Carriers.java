package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Config;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;

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
 *
 * <p><b>Where the carrier is read.</b> The JDK's {@code currentCarrierThread()} reads the carrier
 * through a handle of the running native thread: {@code JavaThread::_threadObj}, a slot of the
 * JVM's thread-oop storage, where the carriers' {@code _vthread} slots also live, which a carrier
 * writes each time it mounts or unmounts a virtual thread ({@code Thread.setCurrentThread}). On two
 * carriers that mount a virtual thread every few hundred operations, the load was the hottest
 * instruction of the request loop (perf, 7 %, stop 33), and not reading it made that driver 1.2-1.4x
 * faster on two carriers and no faster on one: a line shared between the cores. So when it can,
 * hakmem reads the carrier from the virtual thread itself, its field
 * {@code VirtualThread.carrierThread} (set by the carrier before it runs the thread, cleared after
 * it stopped running it; the line belongs to the thread being run): {@link #CARRIER_FIELD}. Reading
 * it needs {@code java.lang} open to hakmem; with {@code jdk.internal.access} exported, hakmem opens
 * it to its own module itself ({@code JavaLangAccess.addOpens}, the module of this class: on the
 * class path, the class path's unnamed module, which that export already trusts with as much), or
 * the user opens it with {@code --add-opens java.base/java.lang=ALL-UNNAMED}.
 * {@code hakmem.carrierField=false} goes back to {@code currentCarrierThread()}. The read is a plain
 * one: a virtual thread moves to another carrier only inside a call that parks it, and a call ends
 * what a compiler may keep of an earlier read.
 */
final class Carriers {
    private Carriers() {}

    /** Whether {@link #current()} returns carriers (the JDK lets hakmem see them, and carrier heaps are on). */
    static final boolean AVAILABLE;
    /** Why carriers are not used, for diagnostics; null when they are. */
    static final String UNAVAILABLE_REASON;

    static {
        String reason = JdkAccess.whyNot("carrierHeaps");
        if (reason == null) {
            try {
                // through a method handle: linking Jla fails when java.base does not export the package
                MethodHandle carrier = JdkAccess.method("currentCarrierThread", MethodType.methodType(Thread.class));
                Thread got = (Thread) carrier.invokeExact();
                Thread me = Thread.currentThread();
                if (got == null || got.isVirtual() || (!me.isVirtual() && got != me)) {
                    throw new IllegalStateException("currentCarrierThread() answered " + got + " on " + me);
                }
            } catch (Throwable e) {
                reason = "currentCarrierThread() unusable: " + e;
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
     * {@code isVirtual()} a type check, and the carrier one load from the virtual thread
     * ({@link #carrierOf}), which no call that can block lets C2 keep (a virtual thread may move to
     * another carrier at any such call).
     */
    static Thread current() {
        Thread t = Thread.currentThread();
        return t.isVirtual() && AVAILABLE ? carrierOf(t) : t;
    }

    /**
     * The id of {@code t}'s carrier, {@code t} the current thread: {@code t}'s own id for a platform
     * thread (nothing is loaded but what the caller has; a loop that allocates keeps it in a
     * register), its carrier's for a virtual thread when {@link #AVAILABLE}.
     */
    static long carrierId(Thread t) {
        return t.isVirtual() && AVAILABLE ? carrierOf(t).threadId() : t.threadId();
    }

    /**
     * The carrier of {@code vt}, the current thread and a virtual one, with {@link #AVAILABLE}: its
     * {@code carrierThread} field where {@link #CARRIER_FIELD} can read it (never null while the
     * thread runs: a carrier sets it before it switches to the thread and clears it after it switched
     * back), else the JDK's {@code currentCarrierThread()}.
     */
    static Thread carrierOf(Thread vt) {
        VarHandle f = CARRIER_FIELD;
        if (f != null) {
            Thread c = (Thread) f.get(vt);
            if (c != null) {
                return c;
            }
        }
        return jdkCarrier();
    }

    /** The carrier as the JDK answers, {@code currentCarrierThread()} (needs {@link #AVAILABLE}). */
    static Thread jdkCarrier() {
        return Jla.ACCESS.currentCarrierThread();
    }

    /**
     * Whether platform thread {@code t} has a virtual thread mounted right now (a continuation runs
     * on it; plain read, for a borrower that set the heap's owner word BUSY first). A carrier whose
     * virtual thread is pinned and blocked (a native frame under it, a class initialisation it
     * waits for) reads as blocked by its {@link Thread#getState()}, and that virtual thread may be
     * anywhere, a fast path of the carrier's heap included. Without carriers: {@code false}.
     */
    static boolean runsVirtualThread(Thread t) {
        return AVAILABLE && !t.isVirtual() && Jla.ACCESS.getContinuation(t) != null;
    }

    /** {@code VirtualThread.carrierThread}, or null (carriers not available, switched off, or not readable). */
    private static final VarHandle CARRIER_FIELD;
    /** Whether {@link #carrierOf} reads the field ({@link #CARRIER_FIELD} set). */
    static boolean readsCarrierField() {
        return CARRIER_FIELD != null;
    }

    /** Why {@link #CARRIER_FIELD} is null, for diagnostics; null when it is not. */
    static final String CARRIER_FIELD_REASON;

    static {
        VarHandle h = null;
        String reason = null;
        if (!AVAILABLE) {
            reason = "carriers not available";
        } else if (!Config.flag("carrierField", true)) {
            reason = "hakmem.carrierField=false";
        } else {
            try {
                Class<?> vt = Class.forName("java.lang.VirtualThread");
                Module base = Object.class.getModule();
                Module self = Carriers.class.getModule();
                if (!base.isOpen("java.lang", self)) {
                    Jla.ACCESS.addOpens(base, "java.lang", self);
                }
                h = MethodHandles.privateLookupIn(vt, MethodHandles.lookup()).findVarHandle(vt, "carrierThread", Thread.class);
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                reason = "VirtualThread.carrierThread not readable (" + e + ")";
            }
        }
        CARRIER_FIELD = h;
        CARRIER_FIELD_REASON = reason;
    }

    /**
     * The JDK's access object, in a class of its own: initialised only once {@link #AVAILABLE}
     * says java.base exports {@code jdk.internal.access} to hakmem (linking it fails otherwise).
     */
    private static final class Jla {
        static final jdk.internal.access.JavaLangAccess ACCESS = jdk.internal.access.SharedSecrets.getJavaLangAccess();
    }
}
