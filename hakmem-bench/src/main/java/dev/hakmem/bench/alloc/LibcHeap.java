package dev.hakmem.bench.alloc;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * {@code malloc} and {@code free} of the process, through FFM downcalls.
 *
 * <p>The symbols are resolved with {@code dlsym(RTLD_DEFAULT, ...)}, i.e. in the process's global
 * scope, exactly as a C program's calls would be: glibc's in a plain JVM, and the preloaded
 * library's in a JVM started with {@code LD_PRELOAD} of mimalloc, jemalloc or tcmalloc.
 * (The JDK's default lookup would not do: it searches libc's own scope and would return glibc's
 * {@code malloc} even under a preload.) {@link #mallocLibrary()} tells which file the resolved
 * {@code malloc} lives in, so an adapter can check it measures what it claims to.
 */
@SuppressWarnings("restricted") // downcalls are the point; the JVM runs with --enable-native-access
public final class LibcHeap implements NativeHeap {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemorySegment MALLOC_ADDRESS = globalSymbol("malloc");
    private static final MethodHandle MALLOC = LINKER.downcallHandle(MALLOC_ADDRESS,
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), Linker.Option.critical(false));
    private static final MethodHandle FREE = LINKER.downcallHandle(globalSymbol("free"),
            FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG), Linker.Option.critical(false));

    @Override
    public long malloc(long size) {
        try {
            return (long) MALLOC.invokeExact(size);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public void free(long address) {
        try {
            FREE.invokeExact(address);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The path of the mapped file that holds the {@code malloc} this class calls, or "?" if unknown. */
    public static String mallocLibrary() {
        return ProcMaps.fileContaining(MALLOC_ADDRESS.address());
    }

    /**
     * The address of {@code name} as {@code dlsym(RTLD_DEFAULT, name)} finds it.
     *
     * @throws IllegalStateException if the process's global scope has no such symbol
     */
    static MemorySegment globalSymbol(String name) {
        MemorySegment dlsym = LINKER.defaultLookup().find("dlsym")
                .orElseThrow(() -> new IllegalStateException("dlsym not found in the C library"));
        MethodHandle handle = LINKER.downcallHandle(dlsym,
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment symbol = (MemorySegment) handle.invokeExact(0L /* RTLD_DEFAULT */, arena.allocateFrom(name));
            if (symbol.address() == 0) {
                throw new IllegalStateException(name + " not found in the process's global scope");
            }
            return symbol;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
