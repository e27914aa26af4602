/**
 * hakmem: a native-memory allocator on the Foreign Function &amp; Memory API.
 * Only {@code dev.hakmem} is exported; everything under {@code dev.hakmem.internal} is private.
 */
module dev.hakmem {
    exports dev.hakmem;
}
