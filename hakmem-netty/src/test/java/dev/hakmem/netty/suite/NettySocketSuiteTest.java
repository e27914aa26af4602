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
 * classes, unchanged but for the allocator (and the bootstraps, for epoll). After every test,
 * once the channels are closed, the allocator's used direct and heap memory must be back to zero
 * (every buffer released; leak detection is on paranoid), and over the whole suite hakmem must
 * have served the blocks.
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
    static final String EPOLL = "dev.hakmem.netty.suite.EpollCombos#available";

    private static long allocationsAtStart;

    static long hakmemAllocations() {
        return Hakmem.stats().sizeClasses().stream().mapToLong(c -> c.allocations()).sum();
    }

    @BeforeAll
    static void countAtStart() {
        allocationsAtStart = hakmemAllocations();
    }

    @AfterEach
    void everyBufferReleased() throws InterruptedException {
        // channels close asynchronously: the last buffers are released on their event loops
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((ALLOC.metric().usedDirectMemory() != 0 || ALLOC.metric().usedHeapMemory() != 0)
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, ALLOC.metric().usedDirectMemory(), "direct bytes still held after the test");
        assertEquals(0, ALLOC.metric().usedHeapMemory(), "heap bytes still held after the test");
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
    }
    @Nested
    class NioFixedLengthEcho extends SocketFixedLengthEchoTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }
    }
    @Nested
    class NioSslEcho extends SocketSslEchoTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }
    }
    @Nested
    class NioSpdyEcho extends SocketSpdyEchoTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }
    }
    @Nested
    class NioFileRegion extends SocketFileRegionTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }
    }
    @Nested
    class NioGatheringWrite extends SocketGatheringWriteTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }
    }
    @Nested
    class NioCompositeBufferGatheringWrite extends CompositeBufferGatheringWriteTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }
    }
    @Nested
    class NioBufRelease extends SocketBufReleaseTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }
    }
    @Nested
    class NioStringEcho extends SocketStringEchoTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }
    }
    @Nested
    class NioSslGreeting extends SocketSslGreetingTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }
    }
    @Nested
    class NioStartTls extends SocketStartTlsTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }
    }
    @Nested
    class NioAutoRead extends SocketAutoReadTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }
    }
    @Nested
    class NioReadPending extends SocketReadPendingTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }
    }
    @Nested
    class NioHalfClosed extends SocketHalfClosedTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }
    }
    @Nested
    class NioCancelWrite extends SocketCancelWriteTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }
    }
    @Nested
    class NioConditionalWritability extends SocketConditionalWritabilityTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }
    }
    @Nested
    class NioDataReadInitialState extends SocketDataReadInitialStateTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
        }
    }
    @Nested
    class NioExceptionHandling extends SocketExceptionHandlingTest {
        @Override
        protected List<ByteBufAllocator> newAllocators() {
            return ALLOCATORS;
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
            return EpollCombos.socket();
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
            return EpollCombos.socket();
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
            return EpollCombos.socket();
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
            return EpollCombos.socket();
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
            return EpollCombos.socket();
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
            return EpollCombos.socket();
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
            return EpollCombos.socket();
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
            return EpollCombos.socket();
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
            return EpollCombos.socket();
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
            return EpollCombos.socket();
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
            return EpollCombos.socket();
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
            return EpollCombos.socket();
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
            return EpollCombos.socket();
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
            return EpollCombos.socket();
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
            return EpollCombos.socket();
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
            return EpollCombos.socket();
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
            return EpollCombos.socket();
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
            return EpollCombos.socket();
        }
    }
}
