package dev.hakmem.bench.warmup;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;

/** Where the AOT cache of {@code ./hakmem train} lives: {@code hakmem.aot} next to hakmem-bench.jar. */
public final class AotCache {

    /** The cache's file name. */
    public static final String FILE_NAME = "hakmem.aot";

    private AotCache() {}

    /**
     * {@code hakmem.aot} in the directory of the {@code hakmem-bench.jar} on this JVM's class path,
     * or {@code hakmem-bench/target/hakmem.aot} if the jar is not on it (e.g. in tests).
     */
    public static Path defaultFile() {
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (p.getFileName() != null && p.getFileName().toString().equals("hakmem-bench.jar")) {
                Path dir = p.getParent();
                return dir == null ? Path.of(FILE_NAME) : dir.resolve(FILE_NAME);
            }
        }
        return Path.of("hakmem-bench", "target", FILE_NAME);
    }

    /**
     * Why {@code cache} is stale for a JVM with {@code classPath}, or empty if it is not: a jar of
     * the class path is newer than the cache (a build since the training run). The JVM should
     * refuse such a cache by itself, but JDK 25.0.3 and older do not check the jars of a cache
     * made with {@code -XX:AOTCacheOutput} (JDK-8377932, fixed in 25.0.4) and would load the
     * classes of the old build, so the launcher checks the times itself.
     */
    public static Optional<String> staleness(Path cache, String classPath) {
        FileTime made;
        try {
            made = Files.getLastModifiedTime(cache);
        } catch (IOException e) {
            return Optional.of("cannot read " + cache + ": " + e.getMessage());
        }
        for (String entry : classPath.split(File.pathSeparator)) {
            Path p = Path.of(entry);
            try {
                if (entry.endsWith(".jar") && Files.isRegularFile(p) && Files.getLastModifiedTime(p).compareTo(made) > 0) {
                    return Optional.of(p + " is newer than the AOT cache " + cache
                            + "; train again (./hakmem train or scripts/aot-train.sh) after every build");
                }
            } catch (IOException e) {
                // an unreadable entry cannot have changed the cache's classes
            }
        }
        return Optional.empty();
    }
}
