package dev.hakmem.archfixture;

/** The public facade of a deliberately broken miniature of hakmem's layout, for {@code ArchitectureTest}. */
public final class Facade {
    private Facade() {}

    public static int value() {
        return dev.hakmem.archfixture.internal.a.Broken.count;
    }
}
