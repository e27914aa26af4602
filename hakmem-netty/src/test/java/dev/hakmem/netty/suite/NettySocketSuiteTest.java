package dev.hakmem.netty.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.Hakmem;
import dev.hakmem.netty.HakmemByteBufAllocator;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.CompositeBufferGatheringWriteTest;
import io.netty.testsuite.transport.socket.SocketAutoReadTest;
import io.netty.testsuite.transport.socket.SocketBufReleaseTest;
import io.netty.testsuite.transport.socket.SocketCancelWriteTest;
import io.netty.testsuite.transport.socket.SocketConditionalWritabilityTest;
import io.netty.testsuite.transport.socket.SocketDataReadInitialStateTest;
import io.netty.testsuite.transport.socket.SocketEchoTest;
import io.netty.testsuite.transport.socket.SocketExceptionHandlingTest;
import io.netty.testsuite.transport.socket.SocketFileRegionTest;
import io.netty.testsuite.transport.socket.SocketFixedLengthEchoTest;
import io.netty.testsuite.transport.socket.SocketGatheringWriteTest;
import io.netty.testsuite.transport.socket.SocketHalfClosedTest;
import io.netty.testsuite.transport.socket.SocketReadPendingTest;
import io.netty.testsuite.transport.socket.SocketSpdyEchoTest;
import io.netty.testsuite.transport.socket.SocketSslEchoTest;
import io.netty.testsuite.transport.socket.SocketSslGreetingTest;
import io.netty.testsuite.transport.socket.SocketStartTlsTest;
import io.netty.testsuite.transport.socket.SocketStringEchoTest;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Netty's published socket test suite ({@code io.netty:netty-testsuite}) with
 * {@link HakmemByteBufAllocator} as the allocator of every server, accepted and client channel,
 * over NIO and, where its native library loads, epoll. Each nested class is one of the suite's
 * classes, unchanged but for the allocator and the bootstraps ({@link Transports}: NIO or epoll
 * server and client, on event loop groups of 4 threads that record their channels). After every
 * test, once its channels are closed (those it left open are closed then), the allocator's used
 * direct and heap memory must be back to zero (every buffer released; leak detection is on
 * paranoid), and over the whole suite hakmem must have served the blocks.
 *
 * <p>Run: echo (7 variants), fixed-length echo, string echo, SSL echo with the JDK engine
 * (96 combinations of renegotiation, auto-read, composite and chunked writes), SSL greeting,
 * StartTLS, SPDY echo, file regions (8, incl. beyond 2 GiB), gathering writes, composite-buffer
 * gathering writes, buffer release, auto-read, read-pending, half-closure (8), cancelled writes,
 * conditional writability, initial read state, exception handling. Left out: classes that need
 * OpenSSL ({@code netty-tcnative}: SSL session reuse, client renegotiation), OIO-only or
 * client-only ones that allocate little (EOF, write-before-registered, shutdown-output),
 * connection attempts to a non-loopback address (connection-attempt, multiple-connect with
 * TCP fast open), datagram and multicast tests (not this allocator's concern, and multicast
 * leaves loopback), and the traffic-shaping test (timing, tens of seconds).
 */
class NettySocketSuiteTest {

    /** The suite's own allocator instance, so its metric counts only the suite's buffers. */
    static final HakmemByteBufAllocator ALLOC = new HakmemByteBufAllocator(true);
    static final List<ByteBufAllocator> ALLOCATORS = List.of(ALLOC);
    static final String EPOLL = "dev.hakmem.netty.suite.Transports#epollAvailable";

    private static long allocationsAtStart;

    static long hakmemAllocations() {
        return Hakmem.stats().sizeClasses().stream().mapToLong(c -> c.allocations()).sum();
    }

    @BeforeAll
    static void countAtStart() {
        allocationsAtStart = hakmemAllocations();
    }

    /**
     * Every buffer is released once the test's channels are closed. Netty's tests close the
     * channels they check, not always all of them: some leave accepted, client or server channels
     * to close themselves when their peer closes, or to close when the event loop group shuts down
     * (see {@link Transports}). One still open may still allocate: after
     * {@code SocketFileRegionTest.testFileRegionCountLargerThenFile} the server's accepted channel
     * is still reading what the client sent before it closed, taking a 64 KiB read buffer and
     * releasing it at each read, so the metric reads zero between two reads and 65536 during one.
     * So first every channel the test left open is closed, as shutting the groups down would, and
     * waited for; the last buffers are released on the event loops around then (a channel's
     * handlers are removed after its close completes), so the metric must read zero and stay there
     * for 150 ms.
     */
    @AfterEach
    void everyBufferReleased() throws InterruptedException {
        Transports.Closed closed = Transports.closeAll(10, TimeUnit.SECONDS);
        assertEquals(List.of(), closed.stillOpen(), "channels not closed 10 s after close()");
        // Zero, and still zero 150 ms later: an event loop may still finish work of a closed
        // channel (an SSL handler wrapping its close_notify took a 16 KiB record buffer just after
        // one zero reading), so a single zero reading is not the end. A buffer never released
        // keeps the metric above zero until the deadline and fails below.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long zeroSince = 0;
        while (System.nanoTime() < deadline) {
            boolean zero = ALLOC.metric().usedDirectMemory() == 0 && ALLOC.metric().usedHeapMemory() == 0;
            if (!zero) {
                zeroSince = 0;
            } else if (zeroSince == 0) {
                zeroSince = System.nanoTime();
            } else if (System.nanoTime() - zeroSince >= TimeUnit.MILLISECONDS.toNanos(150)) {
                break;
            }
            Thread.sleep(10);
        }
        String closedAfter = "channels the test left open, closed after it: " + closed.wereOpen();
        assertEquals(0, ALLOC.metric().usedDirectMemory(), "direct bytes still held after the test; " + closedAfter);
        assertEquals(0, ALLOC.metric().usedHeapMemory(), "heap bytes still held after the test; " + closedAfter);
    }

    @AfterAll
    static void hakmemServedTheSuite() {
        long served = hakmemAllocations() - allocationsAtStart;
        System.out.println("netty-testsuite: hakmem served " + served + " blocks");
        assertTrue(served > 10_000, "the suite's buffers were hakmem blocks: " + served);
    }

    @Nested
    class NioEcho extends SocketEchoTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.nio();
        }
    }
    @Nested
    class NioFixedLengthEcho extends SocketFixedLengthEchoTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.nio();
        }
    }
    @Nested
    class NioSslEcho extends SocketSslEchoTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.nio();
        }
    }
    @Nested
    class NioSpdyEcho extends SocketSpdyEchoTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.nio();
        }
    }
    @Nested
    class NioFileRegion extends SocketFileRegionTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.nio();
        }
    }
    @Nested
    class NioGatheringWrite extends SocketGatheringWriteTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.nio();
        }
    }
    @Nested
    class NioCompositeBufferGatheringWrite extends CompositeBufferGatheringWriteTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.nio();
        }
    }
    @Nested
    class NioBufRelease extends SocketBufReleaseTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.nio();
        }
    }
    @Nested
    class NioStringEcho extends SocketStringEchoTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.nio();
        }
    }
    @Nested
    class NioSslGreeting extends SocketSslGreetingTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.nio();
        }
    }
    @Nested
    class NioStartTls extends SocketStartTlsTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.nio();
        }
    }
    @Nested
    class NioAutoRead extends SocketAutoReadTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.nio();
        }
    }
    @Nested
    class NioReadPending extends SocketReadPendingTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.nio();
        }
    }
    @Nested
    class NioHalfClosed extends SocketHalfClosedTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.nio();
        }
    }
    @Nested
    class NioCancelWrite extends SocketCancelWriteTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.nio();
        }
    }
    @Nested
    class NioConditionalWritability extends SocketConditionalWritabilityTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.nio();
        }
    }
    @Nested
    class NioDataReadInitialState extends SocketDataReadInitialStateTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.nio();
        }
    }
    @Nested
    class NioExceptionHandling extends SocketExceptionHandlingTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.nio();
        }
    }
    @Nested
    @EnabledIf(value = EPOLL, disabledReason = "epoll's native library does not load here")
    class EpollEcho extends SocketEchoTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.epoll();
        }
    }
    @Nested
    @EnabledIf(value = EPOLL, disabledReason = "epoll's native library does not load here")
    class EpollFixedLengthEcho extends SocketFixedLengthEchoTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.epoll();
        }
    }
    @Nested
    @EnabledIf(value = EPOLL, disabledReason = "epoll's native library does not load here")
    class EpollSslEcho extends SocketSslEchoTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.epoll();
        }
    }
    @Nested
    @EnabledIf(value = EPOLL, disabledReason = "epoll's native library does not load here")
    class EpollSpdyEcho extends SocketSpdyEchoTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.epoll();
        }
    }
    @Nested
    @EnabledIf(value = EPOLL, disabledReason = "epoll's native library does not load here")
    class EpollFileRegion extends SocketFileRegionTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.epoll();
        }
    }
    @Nested
    @EnabledIf(value = EPOLL, disabledReason = "epoll's native library does not load here")
    class EpollGatheringWrite extends SocketGatheringWriteTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.epoll();
        }
    }
    @Nested
    @EnabledIf(value = EPOLL, disabledReason = "epoll's native library does not load here")
    class EpollCompositeBufferGatheringWrite extends CompositeBufferGatheringWriteTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.epoll();
        }
    }
    @Nested
    @EnabledIf(value = EPOLL, disabledReason = "epoll's native library does not load here")
    class EpollBufRelease extends SocketBufReleaseTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.epoll();
        }
    }
    @Nested
    @EnabledIf(value = EPOLL, disabledReason = "epoll's native library does not load here")
    class EpollStringEcho extends SocketStringEchoTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.epoll();
        }
    }
    @Nested
    @EnabledIf(value = EPOLL, disabledReason = "epoll's native library does not load here")
    class EpollSslGreeting extends SocketSslGreetingTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.epoll();
        }
    }
    @Nested
    @EnabledIf(value = EPOLL, disabledReason = "epoll's native library does not load here")
    class EpollStartTls extends SocketStartTlsTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.epoll();
        }
    }
    @Nested
    @EnabledIf(value = EPOLL, disabledReason = "epoll's native library does not load here")
    class EpollAutoRead extends SocketAutoReadTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.epoll();
        }
    }
    @Nested
    @EnabledIf(value = EPOLL, disabledReason = "epoll's native library does not load here")
    class EpollReadPending extends SocketReadPendingTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.epoll();
        }
    }
    @Nested
    @EnabledIf(value = EPOLL, disabledReason = "epoll's native library does not load here")
    class EpollHalfClosed extends SocketHalfClosedTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.epoll();
        }
    }
    @Nested
    @EnabledIf(value = EPOLL, disabledReason = "epoll's native library does not load here")
    class EpollCancelWrite extends SocketCancelWriteTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.epoll();
        }
    }
    @Nested
    @EnabledIf(value = EPOLL, disabledReason = "epoll's native library does not load here")
    class EpollConditionalWritability extends SocketConditionalWritabilityTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.epoll();
        }
    }
    @Nested
    @EnabledIf(value = EPOLL, disabledReason = "epoll's native library does not load here")
    class EpollDataReadInitialState extends SocketDataReadInitialStateTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.epoll();
        }
    }
    @Nested
    @EnabledIf(value = EPOLL, disabledReason = "epoll's native library does not load here")
    class EpollExceptionHandling extends SocketExceptionHandlingTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }

        @Override
        protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
            return Transports.epoll();
        }
    }
}
