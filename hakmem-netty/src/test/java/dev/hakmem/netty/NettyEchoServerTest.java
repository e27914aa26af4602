package dev.hakmem.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.Hakmem;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * A real Netty server on loopback with {@link HakmemByteBufAllocator} as its allocator, driven by
 * real TCP clients: 8 connections x 200 requests of random sizes up to 64 KiB. The protocol is
 * length-prefixed frames; the server accumulates input in a growing direct buffer, answers each
 * frame with its bytes XOR 0x5A in a new direct buffer, and every response byte is checked.
 * After shutdown hakmem's live bytes are back where they started: nothing leaked.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class NettyEchoServerTest {

    static final int CLIENTS = 8;
    static final int REQUESTS = 200;
    static final int MAX_SIZE = 64 * 1024;
    static final long XOR = 0x5A5A_5A5A_5A5A_5A5AL;

    /** Reads frames ({@code int length, bytes}) and answers each with its bytes XOR 0x5A. */
    static final class FrameXorHandler extends ChannelInboundHandlerAdapter {
        private final AtomicLong hakmemReads;
        private ByteBuf cumulation;

        FrameXorHandler(AtomicLong hakmemReads) {
            this.hakmemReads = hakmemReads;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                if (isHakmemBlock(in)) {
                    hakmemReads.incrementAndGet();
                }
                if (cumulation == null) {
                    cumulation = ctx.alloc().directBuffer(256); // grows with the frames: capacity changes
                }
                cumulation.writeBytes(in);
            } finally {
                in.release();
            }
            while (cumulation.readableBytes() >= 4) {
                int length = cumulation.getInt(cumulation.readerIndex());
                if (cumulation.readableBytes() < 4 + length) {
                    break;
                }
                cumulation.skipBytes(4);
                ByteBuf out = ctx.alloc().directBuffer(4 + length);
                out.writeInt(length);
                out.writeBytes(cumulation, length);
                int i = 4;
                for (; i + 8 <= out.writerIndex(); i += 8) {
                    out.setLong(i, out.getLong(i) ^ XOR);
                }
                for (; i < out.writerIndex(); i++) {
                    out.setByte(i, out.getByte(i) ^ 0x5A);
                }
                ctx.write(out);
            }
            cumulation.discardSomeReadBytes();
        }

        /** Whether the buffer's memory is a live hakmem block (hakmem rejects any other address). */
        private static boolean isHakmemBlock(ByteBuf b) {
            if (!b.isDirect() || !b.hasMemoryAddress() || !(b.alloc() instanceof HakmemByteBufAllocator)) {
                return false;
            }
            try {
                return Hakmem.usableSize(b.memoryAddress()) >= b.capacity();
            } catch (IllegalArgumentException | IllegalStateException notOurs) {
                return false;
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (cumulation != null) {
                cumulation.release();
                cumulation = null;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** One client: {@link #REQUESTS} request-response rounds; returns the response bytes checked. */
    static long client(int port, long seed) throws Exception {
        long checked = 0;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
            s.setSoTimeout(30_000);
            s.setTcpNoDelay(true);
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
            Random r = new Random(seed);
            for (int n = 0; n < REQUESTS; n++) {
                int length = n % 10 == 0 ? n % 3 : r.nextInt(MAX_SIZE + 1); // a few empty and tiny frames
                byte[] request = new byte[length];
                r.nextBytes(request);
                out.writeInt(length);
                out.write(request);
                out.flush();
                assertEquals(length, in.readInt(), "response length");
                byte[] response = new byte[length];
                in.readFully(response);
                for (int i = 0; i < length; i++) {
                    if (response[i] != (byte) (request[i] ^ 0x5A)) {
                        throw new AssertionError("request " + n + ", byte " + i + " of " + length + ": got "
                                + response[i] + ", want " + (byte) (request[i] ^ 0x5A));
                    }
                }
                checked += length;
            }
        }
        return checked;
    }

    @Test
    void echoServerWithHakmemAllocatorAnswersEveryByteAndLeaksNothing() throws Exception {
        long live0 = Hakmem.stats().liveBytes();
        AtomicLong hakmemReads = new AtomicLong();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        long checked = 0;
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.ALLOCATOR, HakmemByteBufAllocator.DEFAULT)
                    .childOption(ChannelOption.ALLOCATOR, HakmemByteBufAllocator.DEFAULT)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new FrameXorHandler(hakmemReads));
                        }
                    });
            Channel server = b.bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
            int port = ((InetSocketAddress) server.localAddress()).getPort();

            List<Thread> threads = new ArrayList<>();
            AtomicLong total = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int c = 0; c < CLIENTS; c++) {
                long seed = 1000 + c;
                Thread t = new Thread(() -> {
                    try {
                        total.addAndGet(client(port, seed));
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "client-" + c);
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(120));
                assertTrue(!t.isAlive(), t.getName() + " finished in time");
            }
            assertNull(failure.get(), () -> "client failed: " + failure.get());
            checked = total.get();
            assertTrue(hakmemReads.get() > 0, "the server read into hakmem blocks");
            assertTrue(Hakmem.stats().liveBytes() >= live0);
            server.close().sync();
        } finally {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        assertTrue(checked > (long) CLIENTS * REQUESTS * MAX_SIZE / 4, "checked " + checked + " response bytes");
        System.out.printf("echo server: %d response bytes checked, %d reads into hakmem blocks%n", checked,
                hakmemReads.get());

        // every buffer the server allocated has been released and its block freed
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Hakmem.stats().liveBytes() != live0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(live0, Hakmem.stats().liveBytes(), "hakmem live bytes back to their start value");
    }
}
