package dev.hakmem.bench.arrow;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.complex.impl.UnionListWriter;
import org.apache.arrow.vector.holders.NullableVarCharHolder;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The workloads of the arrow suite. Each run does {@link #opsPerRun()} operations on vectors of
 * one root allocator and returns a checksum of what it read, the same for every allocation
 * manager (the suite compares them). Allocation-heavy cases build, read and release vectors;
 * read-heavy ones build once per run and read many times. Every run releases all it allocated.
 */
public enum ArrowCase {

    /** IntVector of 64 values built, summed and released: Arrow's per-buffer cost dominates. */
    INT_64("int-64", "vectors", true, 200_000) {
        @Override
        long run(BufferAllocator root, long ops) {
            return intVectors(root, ops, 64);
        }
    },
    /** IntVector of 1,024 values built, summed and released. */
    INT_1K("int-1k", "vectors", true, 30_000) {
        @Override
        long run(BufferAllocator root, long ops) {
            return intVectors(root, ops, 1024);
        }
    },
    /** The same on two threads at once, each under its own child allocator of the shared root. */
    INT_1K_2T("int-1k-2t", "vectors", true, 40_000) {
        @Override
        long run(BufferAllocator root, long ops) throws InterruptedException {
            AtomicLong sum = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread[] threads = new Thread[2];
            for (int t = 0; t < threads.length; t++) {
                threads[t] = Thread.ofPlatform().name("arrow-" + t).start(() -> {
                    try (BufferAllocator child = root.newChildAllocator(Thread.currentThread().getName(), 0, Long.MAX_VALUE)) {
                        sum.addAndGet(intVectors(child, ops / 2, 1024));
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new IllegalStateException("a worker failed", failure.get());
            }
            return sum.get();
        }
    },
    /** VarCharVector of 1,024 strings of 8-40 bytes, grown by setSafe from a 1,024-value estimate. */
    VARCHAR_1K("varchar-1k", "vectors", true, 8_000) {
        @Override
        long run(BufferAllocator root, long ops) {
            long sum = 0;
            NullableVarCharHolder h = new NullableVarCharHolder();
            for (long op = 0; op < ops; op++) {
                try (VarCharVector v = new VarCharVector("s", root)) {
                    v.setInitialCapacity(1024);
                    v.allocateNew();
                    for (int i = 0; i < 1024; i++) {
                        v.setSafe(i, WORDS[(int) ((op + i) & (WORDS.length - 1))]);
                    }
                    v.setValueCount(1024);
                    for (int i = 0; i < 1024; i += 3) {
                        v.get(i, h);
                        sum += (h.end - h.start) + h.buffer.getByte(h.start);
                    }
                }
            }
            return sum;
        }
    },
    /** ListVector of ints (0-8 per row) and StructVector {int, varchar}, 256 rows each. */
    LIST_STRUCT("list-struct-256", "vector pairs", true, 10_000) {
        @Override
        long run(BufferAllocator root, long ops) {
            long sum = 0;
            for (long op = 0; op < ops; op++) {
                try (ListVector list = ListVector.empty("l", root); StructVector struct = StructVector.empty("s", root)) {
                    UnionListWriter w = list.getWriter();
                    for (int i = 0; i < 256; i++) {
                        w.setPosition(i);
                        w.startList();
                        for (int k = 0; k < ((i + op) % 9); k++) {
                            w.writeInt(i * k);
                        }
                        w.endList();
                    }
                    w.setValueCount(256);
                    IntVector id = struct.addOrGet("id", FieldType.nullable(new ArrowType.Int(32, true)), IntVector.class);
                    VarCharVector name = struct.addOrGet("name", FieldType.nullable(ArrowType.Utf8.INSTANCE), VarCharVector.class);
                    struct.setInitialCapacity(256);
                    struct.allocateNew();
                    for (int i = 0; i < 256; i++) {
                        id.setSafe(i, i);
                        name.setSafe(i, WORDS[(int) ((op + i) & (WORDS.length - 1))]);
                        struct.setIndexDefined(i);
                    }
                    struct.setValueCount(256);
                    for (int i = 0; i < 256; i += 7) {
                        sum += ((List<?>) list.getObject(i)).size() + id.get(i) + name.getValueLength(i);
                    }
                }
            }
            return sum;
        }
    },
    /** A batch of 4 columns (int, bigint, float8, varchar) x 4,096 rows under its own child allocator. */
    BATCH_4K("batch-4k", "batches", true, 1_000) {
        @Override
        long run(BufferAllocator root, long ops) {
            long sum = 0;
            for (long op = 0; op < ops; op++) {
                try (BufferAllocator child = root.newChildAllocator("batch", 0, Long.MAX_VALUE);
                     VectorSchemaRoot batch = VectorSchemaRoot.create(BATCH_SCHEMA, child)) {
                    batch.allocateNew();
                    IntVector a = (IntVector) batch.getVector(0);
                    BigIntVector b = (BigIntVector) batch.getVector(1);
                    Float8Vector c = (Float8Vector) batch.getVector(2);
                    VarCharVector d = (VarCharVector) batch.getVector(3);
                    for (int i = 0; i < 4096; i++) {
                        a.setSafe(i, i);
                        b.setSafe(i, op * i);
                        c.setSafe(i, i * 0.5);
                        d.setSafe(i, WORDS[(int) ((op + i) & (WORDS.length - 1))]);
                    }
                    batch.setRowCount(4096);
                    for (int i = 0; i < 4096; i += 5) {
                        sum += a.get(i) + b.get(i) + (long) c.get(i) + d.getValueLength(i);
                    }
                }
            }
            return sum;
        }
    },
    /** IntVector grown by setSafe from 16 to 65,536 values: a new buffer, a copy and a release per doubling. */
    GROW_64K("grow-64k", "vectors", true, 1_500) {
        @Override
        long run(BufferAllocator root, long ops) {
            long sum = 0;
            for (long op = 0; op < ops; op++) {
                try (IntVector v = new IntVector("g", root)) {
                    v.allocateNew(16);
                    for (int i = 0; i < 65_536; i++) {
                        v.setSafe(i, i);
                    }
                    v.setValueCount(65_536);
                    sum += v.get(65_535) + v.getValueCapacity();
                }
            }
            return sum;
        }
    },
    /**
     * BigIntVectors of 1, 2, 4, 8 or 16 MiB (a fixed pseudo-random sequence), filled and summed,
     * four alive at a time: each new one releases the oldest, as a pipeline of batches does.
     */
    LARGE_1_16M("large-1-16m", "vectors", true, 120) {
        @Override
        long run(BufferAllocator root, long ops) {
            long sum = 0;
            ArrayDeque<BigIntVector> window = new ArrayDeque<>();
            long seed = 0x9E3779B97F4A7C15L;
            try {
                for (long op = 0; op < ops; op++) {
                    seed = seed * 6364136223846793005L + 1442695040888963407L;
                    long bytes = (1L << 20) << (int) ((seed >>> 33) % 5);
                    int n = valuesIn(bytes);
                    BigIntVector v = new BigIntVector("b", root);
                    window.addLast(v);
                    v.allocateNew(n);
                    for (int i = 0; i < n; i++) {
                        v.set(i, i ^ op);
                    }
                    v.setValueCount(n);
                    for (int i = 0; i < n; i += 4096) {
                        sum += v.get(i);
                    }
                    if (window.size() > 4) {
                        window.removeFirst().close();
                    }
                }
            } finally {
                window.forEach(BigIntVector::close);
            }
            return sum;
        }
    },
    /** A 64 MiB BigIntVector (8 Mi values) filled, summed and released: above glibc's largest mmap threshold. */
    LARGE_64M("large-64m", "vectors", true, 8) {
        @Override
        long run(BufferAllocator root, long ops) {
            long sum = 0;
            int n = 8 << 20;
            for (long op = 0; op < ops; op++) {
                try (BigIntVector v = new BigIntVector("h", root)) {
                    v.allocateNew(n);
                    for (int i = 0; i < n; i++) {
                        v.set(i, i + op);
                    }
                    v.setValueCount(n);
                    for (int i = 0; i < n; i += 4096) {
                        sum += v.get(i);
                    }
                }
            }
            return sum;
        }
    },
    /** An IntVector of 1 Mi values built once per run, then summed 128 times: operations are values read. */
    READ_INT("read-int-1m", "values", false, 128L << 20) {
        @Override
        long run(BufferAllocator root, long ops) {
            int n = 1 << 20;
            long sum = 0;
            try (IntVector v = new IntVector("r", root)) {
                v.allocateNew(n);
                for (int i = 0; i < n; i++) {
                    v.set(i, i * 31);
                }
                v.setValueCount(n);
                for (long read = 0; read < ops; read += n) {
                    for (int i = 0; i < n; i++) {
                        sum += v.get(i);
                    }
                }
            }
            return sum;
        }
    },
    /** A VarCharVector of 64 Ki strings built once per run, then read 256 times: operations are values read. */
    READ_VARCHAR("read-varchar-64k", "values", false, 256L << 16) {
        @Override
        long run(BufferAllocator root, long ops) {
            int n = 1 << 16;
            long sum = 0;
            NullableVarCharHolder h = new NullableVarCharHolder();
            try (VarCharVector v = new VarCharVector("r", root)) {
                v.allocateNew(n);
                for (int i = 0; i < n; i++) {
                    v.setSafe(i, WORDS[i & (WORDS.length - 1)]);
                }
                v.setValueCount(n);
                for (long read = 0; read < ops; read += n) {
                    for (int i = 0; i < n; i++) {
                        v.get(i, h);
                        sum += (h.end - h.start) + h.buffer.getByte(h.end - 1);
                    }
                }
            }
            return sum;
        }
    };

    /** 256 strings of 8-40 bytes (ASCII), cycled through by the string columns. */
    static final byte[][] WORDS = new byte[256][];
    static final Schema BATCH_SCHEMA = new Schema(List.of(
            Field.nullable("a", new ArrowType.Int(32, true)),
            Field.nullable("b", new ArrowType.Int(64, true)),
            Field.nullable("c", new ArrowType.FloatingPoint(org.apache.arrow.vector.types.FloatingPointPrecision.DOUBLE)),
            Field.nullable("d", ArrowType.Utf8.INSTANCE)), Map.of());

    static {
        for (int i = 0; i < WORDS.length; i++) {
            int len = 8 + (i * 13) % 33;
            StringBuilder sb = new StringBuilder(len);
            for (int k = 0; k < len; k++) {
                sb.append((char) ('a' + (i + k * 7) % 26));
            }
            WORDS[i] = sb.toString().getBytes(StandardCharsets.US_ASCII);
        }
    }

    private final String label;
    private final String unit;
    private final boolean allocationHeavy;
    private final long opsPerRun;

    ArrowCase(String label, String unit, boolean allocationHeavy, long opsPerRun) {
        this.label = label;
        this.unit = unit;
        this.allocationHeavy = allocationHeavy;
        this.opsPerRun = opsPerRun;
    }

    /** The case's name on the command line and in the results. */
    public String label() {
        return label;
    }

    /** What one operation is. */
    public String unit() {
        return unit;
    }

    /** Whether the case builds and releases vectors all the time (the comparison the suite is for). */
    public boolean allocationHeavy() {
        return allocationHeavy;
    }

    /** Operations in one measured run (about 0.2-0.5 s on a 2-core VM). */
    public long opsPerRun() {
        return opsPerRun;
    }

    /**
     * Runs {@code ops} operations on vectors of {@code root} and returns the checksum of what was
     * read. Releases everything it allocated.
     */
    abstract long run(BufferAllocator root, long ops) throws Exception;

    /** The case called {@code label}. */
    public static ArrowCase byLabel(String label) {
        for (ArrowCase c : values()) {
            if (c.label.equals(label)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown arrow case '" + label + "'; known: " + labels());
    }

    /** Every case's label, in order. */
    public static List<String> labels() {
        return java.util.Arrays.stream(values()).map(ArrowCase::label).toList();
    }

    /**
     * Values of a BigIntVector whose data and validity buffers together fit in {@code bytes}
     * (8 bytes and 1 bit per value), so that Arrow allocates about {@code bytes}, not twice that.
     */
    static int valuesIn(long bytes) {
        return (int) ((bytes * 8 / 65) & ~63L);
    }

    static long intVectors(BufferAllocator root, long ops, int values) {
        long sum = 0;
        for (long op = 0; op < ops; op++) {
            try (IntVector v = new IntVector("i", root)) {
                v.allocateNew(values);
                for (int i = 0; i < values; i++) {
                    v.set(i, (int) op + i);
                }
                v.setValueCount(values);
                for (int i = 0; i < values; i++) {
                    sum += v.get(i);
                }
            }
        }
        return sum;
    }
}
