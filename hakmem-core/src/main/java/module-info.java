/**
 * hakmem: a native-memory allocator on the Foreign Function &amp; Memory API.
 * Only {@code dev.hakmem} is exported; everything under {@code dev.hakmem.internal} is private.
 *
 * <p>{@code jdk.jfr} carries hakmem's Flight Recorder events (cold paths only) and
 * {@code java.management} its {@code dev.hakmem:type=Allocator} MXBean.
 */
module dev.hakmem {
    requires jdk.jfr;
    requires java.management;

    exports dev.hakmem;
}
