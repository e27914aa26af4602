package dev.hakmem.archfixture.internal.a;

import dev.hakmem.archfixture.Facade;
import dev.hakmem.archfixture.internal.b.Other;

/**
 * Breaks every architecture rule on purpose: a public mutable field, a public atomic field, a call
 * up into the public facade, and (with {@link Other}) a package cycle.
 */
public final class Broken {
    private Broken() {}

    public static int count;
    public static volatile long flag;

    public static int up() {
        return Facade.value() + Other.across();
    }
}
