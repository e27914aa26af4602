package dev.hakmem.bench.arrow;

import dev.hakmem.arrow.HakmemAllocationManager;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.AllocationManager;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.netty.NettyAllocationManager;
import org.apache.arrow.memory.unsafe.UnsafeAllocationManager;

/**
 * The allocation managers the arrow suite compares, each in its own JVM: {@code hakmem}
 * (hakmem-arrow), {@code netty} (arrow-memory-netty, Arrow's default, over Netty's pooled
 * allocator) and {@code unsafe} (arrow-memory-unsafe: {@code Unsafe.allocateMemory}, that is the
 * JVM's malloc, glibc here); and, on request, {@code null}: {@link NullAllocationManager}, the
 * ceiling no manager can beat. In each JVM the manager measured is also Arrow's default (unsafe
 * for null), so no other manager is ever initialised there.
 */
public final class ArrowManagers {

    /** The managers, in report order. */
    public static final List<String> NAMES = List.of("hakmem", "netty", "unsafe", "null");

    /** The managers the suite runs unless {@code --allocators} names others ({@code null}, the ceiling, only on request). */
    public static final List<String> DEFAULT = List.of("hakmem", "netty", "unsafe");

    /** Whether {@code name} is a real manager other than hakmem: one of those hakmem is compared with. */
    public static boolean isPeer(String name) {
        return !name.equals("hakmem") && DEFAULT.contains(name);
    }

    /**
     * The flags every arrow JVM gets: hakmem's, as every benchmark fork has them (native access;
     * the carrier export, for virtual threads, which these cases do not use), and what Arrow needs
     * on JDK 25 ({@code java.nio} opened to its MemoryUtil, {@code sun.misc.Unsafe} memory access
     * allowed, which Arrow's Netty manager needs too).
     */
    public static final List<String> ARROW_FLAGS = List.of("--enable-native-access=ALL-UNNAMED",
            "--add-exports=java.base/jdk.internal.access=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow");

    private ArrowManagers() {}

    /** Checks {@code name}. */
    public static String check(String name) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown arrow allocation manager '" + name + "'; known: " + NAMES);
        }
        return name;
    }

    /** The JVM options of a fork measuring {@code manager}: {@link #ARROW_FLAGS} and Arrow's default manager type. */
    public static List<String> jvmOptions(String manager) {
        List<String> all = new ArrayList<>(ARROW_FLAGS);
        switch (check(manager)) {
            case "netty" -> all.add("-Darrow.allocation.manager.type=Netty");
            case "unsafe", "null" -> all.add("-Darrow.allocation.manager.type=Unsafe");
            default -> { } // hakmem: made the default by prepare(), before Arrow looks for one
        }
        return all;
    }

    /**
     * Makes {@code manager} Arrow's default in this JVM and returns its factory. Arrow's allocator
     * classes are initialised first for every manager but hakmem: initialising {@code UnsafeAllocationManager}
     * first would have Arrow read its {@code FACTORY} while it is still null (a class
     * initialisation cycle in Arrow 19).
     */
    public static AllocationManager.Factory prepare(String manager) {
        if (check(manager).equals("hakmem")) {
            HakmemAllocationManager.makeDefault();
            return HakmemAllocationManager.FACTORY;
        }
        RootAllocator.configBuilder();
        return switch (manager) {
            case "netty" -> NettyAllocationManager.FACTORY;
            case "null" -> NullAllocationManager.FACTORY;
            default -> UnsafeAllocationManager.FACTORY;
        };
    }
}
