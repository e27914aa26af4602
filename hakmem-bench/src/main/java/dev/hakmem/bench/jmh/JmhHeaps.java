package dev.hakmem.bench.jmh;

import dev.hakmem.bench.alloc.HakmemHeap;
import dev.hakmem.bench.alloc.LibcHeap;
import dev.hakmem.bench.alloc.NativeHeap;

/** The heaps the JMH benchmarks compare, by their {@code @Param} name. */
final class JmhHeaps {

    private JmhHeaps() {}

    static NativeHeap byName(String name) {
        return switch (name) {
            case "hakmem" -> new HakmemHeap();
            case "glibc" -> new LibcHeap();
            default -> throw new IllegalArgumentException("unknown allocator " + name);
        };
    }
}
