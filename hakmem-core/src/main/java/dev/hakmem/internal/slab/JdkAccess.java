package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Config;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The JDK's {@code JavaLangAccess}, when the JVM exports {@code jdk.internal.access} to hakmem
 * ({@code --add-exports java.base/jdk.internal.access=ALL-UNNAMED}, or {@code =dev.hakmem} on the
 * module path): found once, through method handles, since linking a class that names the
 * interface fails without the export. What uses it: {@link Carriers} (a virtual thread's
 * carrier) and {@link UncheckedArrays} (the magazines' accesses without range checks).
 */
final class JdkAccess {
    private JdkAccess() {}

    /** {@code SharedSecrets.getJavaLangAccess()}, or null without the export. */
    private static final Object JLA;
    /** {@code JavaLangAccess}, or null without the export. */
    private static final Class<?> TYPE;
    /** Why {@link #JLA} is null, for diagnostics; null when it is not. */
    static final String UNAVAILABLE_REASON;

    static {
        Object jla = null;
        Class<?> type = null;
        String reason = null;
        try {
            Class<?> secrets = Class.forName("jdk.internal.access.SharedSecrets");
            type = Class.forName("jdk.internal.access.JavaLangAccess");
            jla = MethodHandles.lookup().findStatic(secrets, "getJavaLangAccess", MethodType.methodType(type)).invoke();
        } catch (Throwable e) {
            type = null;
            reason = "java.base does not export jdk.internal.access to hakmem (" + e.getClass().getSimpleName()
                    + "): add --add-exports java.base/jdk.internal.access=ALL-UNNAMED (or =dev.hakmem)";
        }
        JLA = jla;
        TYPE = type;
        UNAVAILABLE_REASON = reason;
    }

    /**
     * Why a fast path that needs this access and is switched by {@code hakmem.<flag>} (on by
     * default) cannot be used: the flag is off, or the JVM does not export the package; null when
     * it can (its own set-up may still fail).
     */
    static String whyNot(String flag) {
        return Config.flag(flag, true) ? UNAVAILABLE_REASON : "hakmem." + flag + "=false";
    }

    /**
     * The {@code JavaLangAccess} method {@code name} of type {@code type}, bound to the JDK's
     * instance; only where {@link #whyNot} said null.
     */
    static MethodHandle method(String name, MethodType type) throws ReflectiveOperationException {
        if (JLA == null) {
            throw new IllegalStateException(UNAVAILABLE_REASON);
        }
        return MethodHandles.lookup().findVirtual(TYPE, name, type).bindTo(JLA);
    }
}
