package dev.hakmem.bench.alloc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A peer {@code malloc} that the launcher puts in front of glibc with {@code LD_PRELOAD}.
 * jemalloc cannot be opened later with {@code dlopen} (its static TLS), so every peer is
 * preloaded into a JVM of its own and then reached through the ordinary {@code malloc} symbol.
 */
public enum PeerLibrary {
    MIMALLOC("mimalloc", "libmimalloc.so.2", "libmimalloc2.0"),
    JEMALLOC("jemalloc", "libjemalloc.so.2", "libjemalloc2"),
    TCMALLOC("tcmalloc", "libtcmalloc_minimal.so.4", "libtcmalloc-minimal4");

    private static final List<Path> DIRECTORIES = List.of(Path.of("/usr/lib/x86_64-linux-gnu"),
            Path.of("/usr/lib/aarch64-linux-gnu"), Path.of("/usr/lib64"), Path.of("/usr/lib"),
            Path.of("/lib/x86_64-linux-gnu"), Path.of("/usr/local/lib"));

    private final String adapterName;
    private final String fileName;
    private final String debianPackage;

    PeerLibrary(String adapterName, String fileName, String debianPackage) {
        this.adapterName = adapterName;
        this.fileName = fileName;
        this.debianPackage = debianPackage;
    }

    /** The adapter name, e.g. {@code mimalloc}. */
    public String adapterName() {
        return adapterName;
    }

    /** The shared library's file name, e.g. {@code libmimalloc.so.2}. */
    public String fileName() {
        return fileName;
    }

    /** The Debian package that ships it. */
    public String debianPackage() {
        return debianPackage;
    }

    /** The peer whose adapter is called {@code name}, if any. */
    public static Optional<PeerLibrary> byAdapterName(String name) {
        for (PeerLibrary p : values()) {
            if (p.adapterName.equals(name)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Where the library is installed: the usual directories first, then {@code ldconfig -p}. */
    public Optional<Path> find() {
        for (Path dir : DIRECTORIES) {
            Path candidate = dir.resolve(fileName);
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return fromLdconfig();
    }

    /** Whether this process was started with the library preloaded. */
    public boolean isLoadedHere() {
        return ProcMaps.isMapped(fileName);
    }

    private Optional<Path> fromLdconfig() {
        for (String ldconfig : List.of("/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig")) {
            try {
                Process p = new ProcessBuilder(ldconfig, "-p").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    continue;
                }
                for (String line : out.split("\n")) {
                    String t = line.trim();
                    int arrow = t.indexOf("=>");
                    if (t.startsWith(fileName + " ") && arrow > 0) {
                        Path path = Path.of(t.substring(arrow + 2).trim());
                        if (Files.isRegularFile(path)) {
                            return Optional.of(path);
                        }
                    }
                }
                return Optional.empty();
            } catch (IOException e) {
                // try the next spelling
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
