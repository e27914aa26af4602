package dev.hakmem.bench.netty;

import dev.hakmem.netty.HakmemByteBufAllocator;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/1.1 server of the Netty suite, one JVM per allocator: Netty's {@code HttpServerCodec}
 * on NIO, bound to loopback. {@code GET /bytes/N} answers {@code 200} with N bytes
 * ({@code 0 <= N <=} {@value #MAX_BYTES}) written into a new buffer from the channel's
 * allocator ({@code ioBuffer(N)}), so every response costs the allocator a buffer of that size
 * besides what the codec allocates for reading requests and encoding headers; anything else is
 * {@code 404}. Keep-alive as the client asks.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED --add-exports=java.base/jdk.internal.access=ALL-UNNAMED -cp ... dev.hakmem.bench.netty.HttpServerMain ALLOCATOR [PORT [THREADS]]
 * </pre>
 *
 * ALLOCATOR is one of {@link #ALLOCATORS}; PORT 0 (the default) takes a free one. When it listens
 * it prints {@code READY <port> <pid>}; it stops when its standard input ends.
 */
public final class HttpServerMain {

    /** The allocators it can run with, in report order. */
    public static final List<String> ALLOCATORS = List.of("hakmem-netty", "netty-pooled", "netty-adaptive", "unpooled");
    /** Largest response body. */
    public static final int MAX_BYTES = 64 << 20;

    private static final String PREFIX = "/bytes/";
    /** What responses are filled with, 64 KiB at a time. */
    private static final byte[] PATTERN = new byte[64 * 1024];

    static {
        for (int i = 0; i < PATTERN.length; i++) {
            PATTERN[i] = (byte) ('a' + i % 26);
        }
    }

    private HttpServerMain() {}

    /**
     * The allocator called {@code name}.
     *
     * @throws IllegalArgumentException for a name not in {@link #ALLOCATORS}
     */
    public static ByteBufAllocator allocator(String name) {
        return switch (name) {
            case "hakmem-netty" -> HakmemByteBufAllocator.DEFAULT;
            case "netty-pooled" -> PooledByteBufAllocator.DEFAULT;
            case "netty-adaptive" -> new AdaptiveByteBufAllocator();
            case "unpooled" -> UnpooledByteBufAllocator.DEFAULT;
            default -> throw new IllegalArgumentException("unknown allocator '" + name + "'; known: " + ALLOCATORS);
        };
    }

    /** The body size a request path asks for, or -1 when it asks for none this server has. */
    static int requestedBytes(String uri) {
        if (!uri.startsWith(PREFIX) || uri.length() == PREFIX.length() || uri.length() > PREFIX.length() + 9) {
            return -1;
        }
        int n = 0;
        for (int i = PREFIX.length(); i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n <= MAX_BYTES ? n : -1;
    }

    /** Answers each request with a body of the asked size in a new buffer from the allocator. */
    static final class BytesHandler extends SimpleChannelInboundHandler<HttpObject> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (!(msg instanceof HttpRequest request)) {
                return; // the (empty) content of a GET
            }
            int n = requestedBytes(request.uri());
            ByteBuf body = ctx.alloc().ioBuffer(Math.max(n, 0));
            HttpResponseStatus status = HttpResponseStatus.OK;
            if (n < 0) {
                status = HttpResponseStatus.NOT_FOUND;
            } else {
                for (int done = 0; done < n; ) {
                    int k = Math.min(PATTERN.length, n - done);
                    body.writeBytes(PATTERN, 0, k);
                    done += k;
                }
            }
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
            HttpUtil.setContentLength(response, body.readableBytes());
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (keepAlive) {
                if (!request.protocolVersion().isKeepAliveDefault()) {
                    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                }
                ctx.write(response);
            } else {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.write(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** A running server. */
    public record Server(Channel channel, EventLoopGroup boss, EventLoopGroup workers) implements AutoCloseable {
        public int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        @Override
        public void close() throws InterruptedException {
            channel.close().sync();
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        }
    }

    /** Starts a server with {@code alloc} on loopback port {@code port} (0: any free one) and {@code threads} I/O threads. */
    public static Server start(ByteBufAllocator alloc, int port, int threads) throws InterruptedException {
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.ALLOCATOR, alloc)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.ALLOCATOR, alloc)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new BytesHandler());
                        }
                    });
            Channel channel = b.bind(InetAddress.getLoopbackAddress(), port).sync().channel();
            return new Server(channel, boss, workers);
        } catch (RuntimeException | InterruptedException e) {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
            throw e;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: HttpServerMain ALLOCATOR [PORT [THREADS]]; ALLOCATOR one of " + ALLOCATORS);
            System.exit(2);
        }
        ByteBufAllocator alloc;
        try {
            alloc = allocator(args[0]);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        try (Server server = start(alloc, port, threads)) {
            System.out.println("READY " + server.port() + " " + ProcessHandle.current().pid());
            System.out.flush();
            while (System.in.read() >= 0) {
                // runs until the launcher closes our standard input
            }
        }
    }
}
