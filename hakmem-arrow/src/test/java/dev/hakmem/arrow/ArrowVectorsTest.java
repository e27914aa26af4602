package dev.hakmem.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.Hakmem;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.BufferLedger;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.compare.VectorEqualsVisitor;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.complex.impl.UnionListWriter;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.util.Text;
import org.apache.arrow.vector.util.TransferPair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Real Arrow vectors on hakmem memory: built, grown, sliced, split and transferred between
 * allocators, written to an IPC stream and read back, and a limit hit in the middle of it.
 * Every test ends with its allocators at zero and hakmem's live bytes where they started.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class ArrowVectorsTest {

    BufferAllocator root;
    long live0;

    @BeforeEach
    void open() {
        root = new RootAllocator(RootAllocator.configBuilder()
                .allocationManagerFactory(HakmemAllocationManager.FACTORY)
                .build());
        live0 = live();
    }

    @AfterEach
    void close() {
        assertEquals(0, root.getAllocatedMemory(), "every Arrow buffer released");
        root.close();
        assertEquals(live0, live(), "every hakmem block freed");
    }

    static long live() {
        return Hakmem.stats().liveBytes();
    }

    /** {@code buf} lies in the hakmem block of a {@link HakmemAllocationManager} (vectors slice one allocation into several buffers). */
    static void assertHakmem(ArrowBuf buf) {
        HakmemAllocationManager m = assertInstanceOf(HakmemAllocationManager.class,
                ((BufferLedger) buf.getReferenceManager()).getAllocationManager());
        long block = m.memoryAddress();
        assertTrue(Hakmem.usableSize(block) >= m.getSize());
        assertTrue(buf.memoryAddress() >= block && buf.memoryAddress() + buf.capacity() <= block + m.getSize(),
                "buffer inside its block");
    }

    static String word(int i) {
        return "w" + i + "-".repeat(i % 23);
    }

    @Test
    void intVectorGrowsSlicesSplitsAndTransfers() {
        try (BufferAllocator a = root.newChildAllocator("a", 0, Long.MAX_VALUE);
             BufferAllocator b = root.newChildAllocator("b", 0, Long.MAX_VALUE);
             IntVector v = new IntVector("ints", a)) {
            v.allocateNew(16);
            int n = 100_000;
            for (int i = 0; i < n; i++) { // setSafe grows the vector: new blocks, copies, frees
                if (i % 7 == 0) {
                    v.setNull(i);
                } else {
                    v.setSafe(i, i * 3);
                }
            }
            v.setValueCount(n);
            assertHakmem(v.getDataBuffer());
            assertHakmem(v.getValidityBuffer());
            assertTrue(v.getValueCapacity() >= n);
            assertEquals(a.getAllocatedMemory(), live() - live0, "only the current buffers are live: the grown-out ones were freed");
            for (int i = 0; i < n; i++) {
                if (i % 7 == 0) {
                    assertTrue(v.isNull(i));
                } else {
                    assertEquals(i * 3, v.get(i));
                }
            }
            // a zero-copy slice of the data buffer keeps the memory alive after the vector's release
            ArrowBuf slice = v.getDataBuffer().slice(4L * 10, 4L * 10);
            slice.getReferenceManager().retain();
            // split [1000, 1000 + 5000) into b, then move the rest of the vector to b as a whole
            TransferPair split = v.getTransferPair(b);
            split.splitAndTransfer(1000, 5000);
            IntVector part = (IntVector) split.getTo();
            assertEquals(5000, part.getValueCount());
            for (int i = 0; i < 5000; i++) {
                int j = 1000 + i;
                assertEquals(v.getObject(j), part.getObject(i), "index " + j);
            }
            assertTrue(b.getAllocatedMemory() > 0);
            TransferPair whole = v.getTransferPair(b);
            whole.transfer();
            IntVector moved = (IntVector) whole.getTo();
            assertEquals(0, v.getValueCount());
            assertEquals(n, moved.getValueCount());
            assertEquals(299_997, moved.get(99_999));
            assertHakmem(moved.getDataBuffer());
            assertEquals(33, slice.getInt(4 * 1), "slice of index 11");
            slice.close();
            part.close();
            moved.close();
            assertEquals(0, b.getAllocatedMemory());
        }
        assertEquals(live0, live());
    }

    @Test
    void varCharVectorWithStringsGrowsAndSplits() {
        try (VarCharVector v = new VarCharVector("strings", root)) {
            v.allocateNew(64, 8);
            int n = 20_000;
            for (int i = 0; i < n; i++) {
                v.setSafe(i, word(i).getBytes(StandardCharsets.UTF_8));
            }
            v.setNull(77);
            v.setValueCount(n);
            assertHakmem(v.getDataBuffer());
            assertHakmem(v.getOffsetBuffer());
            assertEquals(root.getAllocatedMemory(), live() - live0, "Arrow's charge is hakmem's live bytes (powers of two)");
            for (int i = 0; i < n; i++) {
                if (i == 77) {
                    assertNull(v.get(i));
                } else {
                    assertEquals(word(i), new String(v.get(i), StandardCharsets.UTF_8));
                }
            }
            try (BufferAllocator other = root.newChildAllocator("other", 0, Long.MAX_VALUE)) {
                TransferPair tp = v.getTransferPair(other);
                tp.splitAndTransfer(70, 100);
                try (VarCharVector part = (VarCharVector) tp.getTo()) {
                    assertEquals(100, part.getValueCount());
                    assertTrue(part.isNull(7));
                    assertEquals(new Text(word(70)), part.getObject(0));
                    assertEquals(new Text(word(169)), part.getObject(99));
                }
                assertEquals(0, other.getAllocatedMemory());
            }
        }
    }

    @Test
    void listAndStructVectors() {
        Random rnd = new Random(18);
        int n = 3_000;
        List<List<Integer>> lists = new ArrayList<>();
        try (ListVector list = ListVector.empty("lists", root);
             StructVector struct = StructVector.empty("structs", root)) {
            UnionListWriter w = list.getWriter();
            for (int i = 0; i < n; i++) {
                w.setPosition(i);
                w.startList();
                List<Integer> want = new ArrayList<>();
                int len = rnd.nextInt(9);
                for (int k = 0; k < len; k++) {
                    int x = rnd.nextInt();
                    w.writeInt(x);
                    want.add(x);
                }
                w.endList();
                lists.add(want);
            }
            w.setValueCount(n);
            assertHakmem(list.getOffsetBuffer());
            for (int i = 0; i < n; i++) {
                assertEquals(lists.get(i), list.getObject(i), "list " + i);
            }

            IntVector id = struct.addOrGet("id", FieldType.nullable(new ArrowType.Int(32, true)), IntVector.class);
            VarCharVector name = struct.addOrGet("name", FieldType.nullable(ArrowType.Utf8.INSTANCE), VarCharVector.class);
            struct.allocateNew();
            for (int i = 0; i < n; i++) {
                if (i % 11 == 5) {
                    struct.setNull(i);
                    continue;
                }
                id.setSafe(i, i);
                name.setSafe(i, word(i).getBytes(StandardCharsets.UTF_8));
                struct.setIndexDefined(i);
            }
            struct.setValueCount(n);
            assertHakmem(id.getDataBuffer());
            assertHakmem(name.getDataBuffer());
            for (int i = 0; i < n; i++) {
                Map<String, ?> row = struct.getObject(i);
                if (i % 11 == 5) {
                    assertNull(row);
                } else {
                    assertEquals(i, row.get("id"));
                    assertEquals(new Text(word(i)), row.get("name"));
                }
            }
            assertEquals(root.getAllocatedMemory(), live() - live0);

            try (BufferAllocator other = root.newChildAllocator("other", 0, Long.MAX_VALUE)) {
                TransferPair lt = list.getTransferPair(other);
                lt.splitAndTransfer(100, 50);
                TransferPair st = struct.getTransferPair(other);
                st.splitAndTransfer(5, 30);
                try (ListVector lpart = (ListVector) lt.getTo(); StructVector spart = (StructVector) st.getTo()) {
                    for (int i = 0; i < 50; i++) {
                        assertEquals(lists.get(100 + i), lpart.getObject(i));
                    }
                    assertNull(spart.getObject(0), "index 5 was null");
                    assertEquals(6, spart.getObject(1).get("id"));
                    assertEquals(new Text(word(34)), spart.getObject(29).get("name"));
                    assertTrue(other.getAllocatedMemory() > 0);
                }
                // and the whole of both vectors to the other allocator
                TransferPair all = list.getTransferPair(other);
                all.transfer();
                try (ListVector moved = (ListVector) all.getTo()) {
                    assertEquals(lists.get(n - 1), moved.getObject(n - 1));
                    assertEquals(0, list.getValueCount());
                }
                assertEquals(0, other.getAllocatedMemory());
            }
        }
    }

    @Test
    void ipcStreamWrittenAndReadBackIntoAnotherAllocator() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<VectorSchemaRoot> sent = new ArrayList<>();
        try (BufferAllocator writer = root.newChildAllocator("writer", 0, Long.MAX_VALUE);
             IntVector ints = new IntVector("i", writer);
             VarCharVector strings = new VarCharVector("s", writer);
             ListVector lists = ListVector.empty("l", writer)) {
            lists.addOrGetVector(FieldType.nullable(new ArrowType.Int(32, true)));
            VectorSchemaRoot batch = new VectorSchemaRoot(List.of(ints, strings, lists));
            try (ArrowStreamWriter out = new ArrowStreamWriter(batch, null, bytes)) {
                out.start();
                for (int r = 0; r < 4; r++) {
                    int rows = 500 + r * 1000;
                    ints.allocateNew(rows);
                    strings.allocateNew(rows);
                    lists.allocateNew();
                    UnionListWriter lw = lists.getWriter();
                    for (int i = 0; i < rows; i++) {
                        ints.set(i, r * 100_000 + i);
                        strings.setSafe(i, word(i + r).getBytes(StandardCharsets.UTF_8));
                        lw.setPosition(i);
                        lw.startList();
                        for (int k = 0; k < i % 4; k++) {
                            lw.writeInt(i * k);
                        }
                        lw.endList();
                    }
                    batch.setRowCount(rows);
                    out.writeBatch();
                    // keep a copy of what was sent, in a third allocator
                    sent.add(copy(batch));
                }
                out.end();
            }
            assertTrue(writer.getAllocatedMemory() > 0, "the writer's vectors still hold their last batch");
        }
        try (BufferAllocator reader = root.newChildAllocator("reader", 0, Long.MAX_VALUE);
             ArrowStreamReader in = new ArrowStreamReader(new ByteArrayInputStream(bytes.toByteArray()), reader)) {
            VectorSchemaRoot got = in.getVectorSchemaRoot();
            for (VectorSchemaRoot want : sent) {
                assertTrue(in.loadNextBatch());
                assertEquals(want.getRowCount(), got.getRowCount());
                assertTrue(got.equals(want), "batch of " + want.getRowCount() + " rows read back equal");
                for (FieldVector v : got.getFieldVectors()) {
                    for (ArrowBuf b : v.getFieldBuffers()) {
                        if (b.capacity() > 0) {
                            assertHakmem(b);
                        }
                    }
                }
            }
            assertFalse(in.loadNextBatch());
        } finally {
            sent.forEach(VectorSchemaRoot::close);
        }
    }

    /** A deep copy of {@code batch} into vectors of the root allocator. */
    VectorSchemaRoot copy(VectorSchemaRoot batch) {
        VectorSchemaRoot c = VectorSchemaRoot.create(batch.getSchema(), root);
        c.allocateNew();
        for (int j = 0; j < batch.getFieldVectors().size(); j++) {
            FieldVector from = batch.getVector(j);
            FieldVector to = c.getVector(j);
            for (int i = 0; i < batch.getRowCount(); i++) {
                to.copyFromSafe(i, i, from);
            }
        }
        c.setRowCount(batch.getRowCount());
        assertTrue(VectorEqualsVisitor.vectorEquals(batch.getVector(0), c.getVector(0)));
        return c;
    }

    @Test
    void aLimitHitWhileGrowingIsArrowsOutOfMemoryAndTheVectorStaysUsable() {
        try (BufferAllocator small = root.newChildAllocator("small", 0, 64 << 10)) {
            IntVector v = new IntVector("v", small);
            v.allocateNew(1024);
            OutOfMemoryException e = assertThrows(OutOfMemoryException.class, () -> {
                for (int k = 0; ; k++) {
                    v.setSafe(k, k);
                }
            });
            assertTrue(e.getMessage().startsWith("Unable to allocate buffer of size "), e.getMessage());
            assertTrue(e.getMessage().contains("due to memory limit. Current allocation: "), e.getMessage());
            int capacity = v.getValueCapacity();
            // the last growth needed a 64 KiB block while the 32 KiB one was still held
            assertEquals(32 << 10, small.getAllocatedMemory());
            assertTrue(capacity > 4096 && capacity < 8192, "grew to " + capacity + " values");
            for (int i = 0; i < capacity; i++) {
                assertEquals(i, v.get(i), "values written before the failure are intact");
            }
            v.setInitialCapacity(1 << 20);
            assertFalse(v.allocateNewSafe(), "a vector allocation past the limit fails softly too");
            v.close();
            assertEquals(0, small.getAllocatedMemory());
            try (IntVector again = new IntVector("again", small)) { // everything keeps working
                again.allocateNew(8192);
                again.set(8191, 5);
                again.setValueCount(8192);
                assertEquals(5, again.get(8191));
            }
        }
    }
}
