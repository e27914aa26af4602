package dev.hakmem.bench.alloc;

import dev.hakmem.Hakmem;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * The trim call of each {@link NativeAllocator}, through FFM downcalls to symbols resolved like
 * {@link LibcHeap}'s {@code malloc}: in the process's global scope, so under {@code LD_PRELOAD}
 * the preloaded library's. Each symbol is checked to live in the library the adapter is named
 * after.
 * <ul>
 * <li>hakmem: {@code Hakmem.trim()}, which empties the calling thread's caches, so per thread;</li>
 * <li>glibc: {@code malloc_trim(0)}, every arena;</li>
 * <li>mimalloc: {@code mi_collect(true)}, which collects the calling thread's heap (and the
 *     abandoned segments it can reach), so per thread;</li>
 * <li>jemalloc: {@code mallctl("arena.4096.purge", NULL, NULL, NULL, 0)}: every arena's unused
 *     dirty and muzzy pages (4096 is {@code MALLCTL_ARENAS_ALL}); thread caches stay as they are;</li>
 * <li>tcmalloc: {@code MallocExtension_ReleaseFreeMemory()}: the page heap's free spans; thread
 *     caches stay as they are.</li>
 * </ul>
 */
@SuppressWarnings("restricted") // downcalls are the point; the JVM runs with --enable-native-access
final class NativeTrims {

    private static final Linker LINKER = Linker.nativeLinker();

    private NativeTrims() {}

    /** The trim of the native adapter {@code name}, or empty for one without a trim ({@code null}). */
    static Optional<Trim> forAdapter(String name) {
        return switch (name) {
            case "hakmem", "hakmem-nolend" -> Optional.of(new Trim("Hakmem.trim()", true, Hakmem::trim));
            case "glibc" -> {
                MethodHandle h = handle("malloc_trim", "libc.so.6", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                yield Optional.of(new Trim("malloc_trim(0)", false, () -> {
                    try {
                        int released = (int) h.invokeExact(0L); // 1 if memory went back, 0 if none could
                        assert released == 0 || released == 1;
                    } catch (Throwable t) {
                        throw new IllegalStateException(t);
                    }
                }));
            }
            case "mimalloc" -> {
                MethodHandle h = handle("mi_collect", "libmimalloc.so.2", FunctionDescriptor.ofVoid(ValueLayout.JAVA_BOOLEAN));
                yield Optional.of(new Trim("mi_collect(true)", true, () -> {
                    try {
                        h.invokeExact(true);
                    } catch (Throwable t) {
                        throw new IllegalStateException(t);
                    }
                }));
            }
            case "jemalloc" -> {
                MethodHandle h = handle("mallctl", "libjemalloc.so.2", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
                String command = "arena.4096.purge";
                MemorySegment name0 = Arena.global().allocateFrom(command);
                yield Optional.of(new Trim("mallctl(\"" + command + "\")", false, () -> {
                    int rc;
                    try {
                        rc = (int) h.invokeExact(name0, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, 0L);
                    } catch (Throwable t) {
                        throw new IllegalStateException(t);
                    }
                    if (rc != 0) {
                        throw new IllegalStateException("mallctl(\"" + command + "\") returned " + rc);
                    }
                }));
            }
            case "tcmalloc" -> {
                MethodHandle h = handle("MallocExtension_ReleaseFreeMemory", "libtcmalloc_minimal.so.4", FunctionDescriptor.ofVoid());
                yield Optional.of(new Trim("MallocExtension_ReleaseFreeMemory()", false, () -> {
                    try {
                        h.invokeExact();
                    } catch (Throwable t) {
                        throw new IllegalStateException(t);
                    }
                }));
            }
            default -> Optional.empty();
        };
    }

    /**
     * A downcall to the global symbol {@code symbol}, which must live in {@code library}.
     *
     * @throws IllegalStateException if the symbol is missing or comes from another file
     */
    private static MethodHandle handle(String symbol, String library, FunctionDescriptor descriptor) {
        MemorySegment address = LibcHeap.globalSymbol(symbol);
        String file = ProcMaps.fileContaining(address.address());
        if (!file.equals("?") && !ProcMaps.isLibrary(file, library)) {
            throw new IllegalStateException(symbol + " resolves to " + file + ", not " + library);
        }
        return LINKER.downcallHandle(address, descriptor);
    }
}
