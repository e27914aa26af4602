package dev.hakmem.bench.alloc;

import java.util.List;
import java.util.Optional;

/** The adapters by name, and what a JVM needs to run each. */
public final class Allocators {

    /** Every adapter, in report order: hakmem first, the ceiling last. */
    public static final List<String> NAMES = List.of("hakmem", "glibc", "mimalloc", "jemalloc", "tcmalloc",
            "netty-pooled", "netty-adaptive", "hakmem-netty", "jdk-arena", "null");

    /**
     * hakmem with settings other than its defaults, not run unless asked for by name:
     * {@code hakmem-nolend}, hakmem with {@code hakmem.lend=false} (no lending out of free runs).
     */
    public static final List<String> VARIANTS = List.of("hakmem-nolend");

    private Allocators() {}

    /** Whether {@code name} is an adapter or a variant. */
    public static boolean isKnown(String name) {
        return NAMES.contains(name) || VARIANTS.contains(name);
    }

    /**
     * Creates the adapter called {@code name} in this JVM.
     *
     * @throws IllegalArgumentException for an unknown name
     * @throws IllegalStateException    for a peer that is not preloaded into this JVM
     */
    public static Allocator create(String name) {
        return switch (name) {
            case "hakmem", "hakmem-nolend" -> new NativeAllocator(name, new HakmemHeap());
            case "glibc" -> checked(name, "libc.so.6");
            case "mimalloc", "jemalloc", "tcmalloc" -> {
                PeerLibrary peer = PeerLibrary.byAdapterName(name).orElseThrow();
                if (!peer.isLoadedHere()) {
                    throw new IllegalStateException(name + " must be preloaded into this JVM: start it with LD_PRELOAD="
                            + peer.find().map(Object::toString).orElse(peer.fileName())
                            + " (the launcher does this)");
                }
                yield checked(name, peer.fileName());
            }
            case "netty-pooled" -> NettyAllocator.pooled();
            case "netty-adaptive" -> NettyAllocator.adaptive();
            case "hakmem-netty" -> new HakmemNettyAdapter();
            case "jdk-arena" -> new ArenaAllocator();
            case "null" -> new NativeAllocator(name, new NullHeap());
            default -> throw new IllegalArgumentException("unknown allocator '" + name + "'; known: " + NAMES + ", " + VARIANTS);
        };
    }

    /** The library that must be preloaded for {@code name}, if any. */
    public static Optional<PeerLibrary> preloadFor(String name) {
        return PeerLibrary.byAdapterName(name);
    }

    /** Extra JVM options a fork running {@code name} gets (Netty's settings for a fair run). */
    public static List<String> jvmOptions(String name) {
        if (name.startsWith("netty-") || name.equals("hakmem-netty")) {
            // Netty's fast path uses sun.misc.Unsafe, which JDK 24+ only allows when asked to;
            // leak detection samples allocations and is off in production benchmarks; Netty 4.2
            // gives thread caches only to its own FastThreadLocalThreads unless told otherwise,
            // and the drivers' threads are plain ones.
            return List.of("--sun-misc-unsafe-memory-access=allow", "-Dio.netty.leakDetection.level=disabled",
                    "-Dio.netty.allocator.useCacheForAllThreads=true");
        }
        if (name.equals("hakmem-nolend")) {
            return List.of("-Dhakmem.lend=false");
        }
        return List.of();
    }

    private static Allocator checked(String name, String expectedLibrary) {
        String actual = LibcHeap.mallocLibrary();
        if (!actual.equals("?") && !ProcMaps.isLibrary(actual, expectedLibrary)) {
            throw new IllegalStateException(name + ": malloc resolves to " + actual + ", not " + expectedLibrary);
        }
        return new NativeAllocator(name, new LibcHeap());
    }
}
