package dev.hakmem.internal.slab;

import java.lang.invoke.MethodType;

/**
 * Reads and writes of a {@code long[]} element without the array's range check, for the few words
 * of a heap's magazines that every allocation and free touches ({@link Magazines#popAt},
 * {@link Magazines#push}, {@link Magazines#ownerPlain}).
 *
 * <p>A Java array access loads the array's length and compares the index with it. On those
 * paths the indices come from hakmem's own tables (a class's header index, the count in the
 * header it reads), so C2 cannot prove them in range: without those loads and branches tiny-hot
 * ran 1.22x, larson on virtual threads 1.09x and the other quick drivers 1.02-1.05x
 * (docs/results/profiles.md, "The magazines' range checks"). The JDK's {@code jdk.internal.misc.Unsafe}
 * reads and writes an array element as one instruction. hakmem uses it when the JVM exports
 * {@code jdk.internal.access} to it (the same {@code --add-exports} that carrier heaps need, see
 * {@link Carriers}): through that package it exports {@code jdk.internal.misc} to its own module
 * (on the class path, the class path's unnamed module, which the export already trusts with as
 * much). Without the export, or with {@code hakmem.uncheckedMagazines=false}, the same methods are
 * plain array accesses ({@link #AVAILABLE} is a constant, so C2 compiles one of the two).
 *
 * <p>What keeps the unchecked accesses in range: every index passed here is below the array's
 * length by construction ({@link Magazines}: a header index from its own tables, a count that
 * never exceeds the class's room), and every access asserts it, so the tests, which run with
 * assertions on, catch an index out of range as an {@link AssertionError}, not a corrupted heap.
 * Only indices derived that way may be passed: never a value a user controls.
 */
final class UncheckedArrays {
    private UncheckedArrays() {}

    /** Whether the accesses skip the range check ({@code jdk.internal.misc.Unsafe} usable and not switched off). */
    static final boolean AVAILABLE;
    /** Why they do not, for diagnostics; null when they do. */
    static final String UNAVAILABLE_REASON;

    static {
        String reason = JdkAccess.whyNot("uncheckedMagazines");
        if (reason == null) {
            try {
                Module base = Object.class.getModule();
                Module self = UncheckedArrays.class.getModule();
                if (!base.isExported("jdk.internal.misc", self)) {
                    JdkAccess.method("addExports", MethodType.methodType(void.class, Module.class, String.class, Module.class))
                            .invoke(base, "jdk.internal.misc", self);
                }
                long[] probe = {1, 2, 3};
                Raw.put(probe, 2, 7);
                if (Raw.get(probe, 1) != 2 || probe[2] != 7) {
                    throw new IllegalStateException("Unsafe read or wrote the wrong element");
                }
            } catch (Throwable e) {
                reason = "jdk.internal.misc.Unsafe unusable: " + e;
            }
        }
        AVAILABLE = reason == null;
        UNAVAILABLE_REASON = reason;
    }

    /** {@code m[i]}; {@code 0 <= i < m.length}. */
    static long get(long[] m, int i) {
        assert i >= 0 && i < m.length : "index " + i + " of a long[" + m.length + "]";
        return AVAILABLE ? Raw.get(m, i) : m[i];
    }

    /** {@code m[i] = v}; {@code 0 <= i < m.length}. */
    static void put(long[] m, int i, long v) {
        assert i >= 0 && i < m.length : "index " + i + " of a long[" + m.length + "]";
        if (AVAILABLE) {
            Raw.put(m, i, v);
        } else {
            m[i] = v;
        }
    }

    /** The JDK's Unsafe, in a class of its own: linked only once java.base exports {@code jdk.internal.misc} to hakmem. */
    private static final class Raw {
        private static final jdk.internal.misc.Unsafe U = jdk.internal.misc.Unsafe.getUnsafe();
        private static final long BASE = jdk.internal.misc.Unsafe.ARRAY_LONG_BASE_OFFSET;

        static long get(long[] m, int i) {
            return U.getLong(m, BASE + ((long) i << 3));
        }

        static void put(long[] m, int i, long v) {
            U.putLong(m, BASE + ((long) i << 3), v);
        }
    }
}
