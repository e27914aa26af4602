package dev.hakmem.arrow;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;

/** {@link ArrowProbe}'s {@code ipc} step: an IPC stream written and read back (the part of Arrow that needs {@code java.nio} opened). */
final class ArrowIpcProbe {

    private ArrowIpcProbe() {}

    static String roundTrip() throws Exception {
        try (BufferAllocator root = new RootAllocator(RootAllocator.configBuilder()
                .allocationManagerFactory(HakmemAllocationManager.FACTORY).build());
             IntVector v = new IntVector("v", root)) {
            v.allocateNew(1000);
            for (int i = 0; i < 1000; i++) {
                v.set(i, i * i);
            }
            v.setValueCount(1000);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ArrowStreamWriter w = new ArrowStreamWriter(new VectorSchemaRoot(List.of(v)), null, out)) {
                w.start();
                w.writeBatch();
                w.end();
            }
            try (ArrowStreamReader r = new ArrowStreamReader(new ByteArrayInputStream(out.toByteArray()), root)) {
                if (!r.loadNextBatch()) {
                    throw new AssertionError("no batch");
                }
                IntVector got = (IntVector) r.getVectorSchemaRoot().getVector(0);
                if (got.getValueCount() != 1000 || got.get(999) != 999 * 999) {
                    throw new AssertionError("read back " + got);
                }
            }
            return "ok";
        }
    }
}
