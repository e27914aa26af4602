package dev.hakmem.arrow;

import dev.hakmem.Hakmem;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.BufferLedger;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.RootAllocator;

/**
 * The program {@link ArrowDefaultIT} runs in child JVMs on chosen class paths. Each argument is
 * a step, run in order; each step prints one {@code name=value} line. Uses only hakmem-core,
 * hakmem-arrow and arrow-memory-core, except the {@code ipc} step ({@link ArrowIpcProbe},
 * which needs arrow-vector). An exception ends the program with a stack trace and exit status 1.
 */
public final class ArrowProbe {

    private ArrowProbe() {}

    public static void main(String[] args) throws Exception {
        for (String step : args) {
            switch (step) {
                case "current" -> System.out.println("current=" + HakmemAllocationManager.currentDefault());
                case "makeDefault" -> System.out.println("makeDefault=" + HakmemAllocationManager.makeDefault());
                case "snippet" -> {
                    // the usage the README gives, with hakmem named explicitly
                    try (BufferAllocator root = new RootAllocator(RootAllocator.configBuilder()
                            .allocationManagerFactory(HakmemAllocationManager.FACTORY).build())) {
                        System.out.println("snippet=" + managerOf(root));
                    }
                }
                case "default" -> {
                    try (BufferAllocator root = new RootAllocator()) {
                        System.out.println("default=" + managerOf(root));
                    }
                }
                case "maxMemory" -> maxMemory();
                case "ipc" -> System.out.println("ipc=" + ArrowIpcProbe.roundTrip());
                default -> throw new IllegalArgumentException("unknown step " + step);
            }
        }
    }

    /** The class of the manager behind a 1000-byte buffer of {@code root}, checked to be a hakmem block when it is hakmem's. */
    static String managerOf(BufferAllocator root) {
        try (ArrowBuf buf = root.buffer(1000)) {
            var m = ((BufferLedger) buf.getReferenceManager()).getAllocationManager();
            if (m instanceof HakmemAllocationManager h && Hakmem.usableSize(h.memoryAddress()) != 1024) {
                throw new AssertionError("not the 1024-byte hakmem block expected");
            }
            buf.setLong(992, 7);
            return m.getClass().getSimpleName();
        }
    }

    /** Run with {@code -Dhakmem.maxMemory=64m}: hakmem's limit, below Arrow's, as Arrow's exception. */
    static void maxMemory() {
        try (BufferAllocator root = new RootAllocator(RootAllocator.configBuilder()
                .allocationManagerFactory(HakmemAllocationManager.FACTORY).build())) {
            ArrowBuf held = root.buffer(32 << 20);
            try {
                root.buffer(64 << 20).close();
                System.out.println("maxMemory=not enforced");
                return;
            } catch (OutOfMemoryException e) {
                System.out.println("oom=" + e.getClass().getName() + " cause=" + e.getCause().getClass().getName()
                        + " charged=" + root.getAllocatedMemory());
            }
            held.close();
            ArrowBuf again = root.buffer(48 << 20);
            again.setByte((48 << 20) - 1, 1);
            again.close();
            System.out.println("maxMemory=ok charged=" + root.getAllocatedMemory());
        }
    }
}
