package dev.hakmem.arrow;

/**
 * {@code java -javaagent:hakmem-arrow.jar ...}: makes hakmem Arrow's default allocation manager
 * ({@link HakmemAllocationManager#makeDefault()}) before {@code main} runs, so that code you
 * cannot change ({@code new RootAllocator()} in a library, a JDBC driver, Flight) allocates from
 * hakmem. hakmem-core and arrow-memory-core must be on the class path, as for any use of
 * hakmem-arrow. The agent transforms no classes. A failure to set the default stops the JVM at
 * start-up with the reason, rather than running on another manager unnoticed.
 */
public final class HakmemArrowAgent {

    private HakmemArrowAgent() {}

    /**
     * Called by the JVM before {@code main}.
     *
     * @param args ignored
     */
    public static void premain(String args) {
        HakmemAllocationManager.makeDefault();
    }
}
