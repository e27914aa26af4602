package dev.hakmem.bench;

import dev.hakmem.bench.launch.LaunchOptions;

/** Lets tests in other packages run the launcher without exiting the JVM. */
public final class LauncherAccess {

    private LauncherAccess() {}

    /** {@link Launcher#run} on parsed {@code args}; returns the exit status. */
    public static int run(String... args) throws Exception {
        return Launcher.run(LaunchOptions.parse(args), args);
    }
}
