package dev.hakmem.archfixture.internal.b;

import dev.hakmem.archfixture.internal.a.Broken;

/** The other half of the package cycle of the broken miniature (see {@code Broken}). */
public final class Other {
    private Other() {}

    public static int across() {
        return Broken.count;
    }
}
