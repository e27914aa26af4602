package dev.hakmem.netty.suite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The transports the suite's socket tests run over: NIO and, where its native library loads, epoll,
 * server and client channels of the same transport. Each has one event loop group of 4 daemon
 * threads, as Netty's testsuite has for NIO ({@code SocketTestPermutation}; Netty's epoll test jar,
 * which sets up epoll's, is not on Maven Central).
 *
 * <p>The groups' event loops record every channel registered on them: the server and client
 * channels the bootstraps make, and the channels a server accepts, which Netty's tests do not
 * always close (they close themselves when their peer closes, at a time the test does not wait
 * for). {@link #closeAll} closes what is still open, as shutting a group down would.
 */
public final class Transports {

    /** Channels registered on the groups and not yet seen closed by {@link #closeAll}. */
    private static final Set<Channel> REGISTERED = ConcurrentHashMap.newKeySet();
    private static final Throwable EPOLL_UNAVAILABILITY = probeEpoll();
    private static volatile EventLoopGroup nioGroup;
    private static volatile EventLoopGroup epollGroup;

    private Transports() {}

    /** Null when epoll works here: the library loads and makes a socket; else why not. */
    private static Throwable probeEpoll() {
        if (!Epoll.isAvailable()) {
            return Epoll.unavailabilityCause();
        }
        try {
            io.netty.channel.unix.Socket s = io.netty.channel.unix.Socket.newSocketStream();
            s.close();
            io.netty.channel.unix.Errors.newIOException("probe", -1); // the errno table the library fills in
            return null;
        } catch (Throwable e) {
            return e;
        }
    }

    /** Whether epoll's native library loads here (the {@code @EnabledIf} condition of the epoll tests). */
    public static boolean epollAvailable() {
        if (EPOLL_UNAVAILABILITY != null) {
            System.err.println("netty-testsuite over epoll skipped: the native library does not load here: "
                    + EPOLL_UNAVAILABILITY);
        }
        return EPOLL_UNAVAILABILITY == null;
    }

    /** An event loop group whose event loops record the channels registered on them. */
    private static final class RecordingGroup extends MultiThreadIoEventLoopGroup {
        RecordingGroup(String name, IoHandlerFactory ioHandlerFactory) {
            super(4, new DefaultThreadFactory(name, true), ioHandlerFactory);
        }

        @Override
        protected IoEventLoop newChild(Executor executor, IoHandlerFactory ioHandlerFactory, Object... args) {
            return new RecordingLoop(this, executor, ioHandlerFactory);
        }
    }

    /**
     * Netty's event loop; a channel is recorded when it is handed to the loop for registration,
     * before the call returns: a server channel's accepted channels are recorded before the
     * server channel's read of them ends, so before that server channel's close completes.
     */
    private static final class RecordingLoop extends SingleThreadIoEventLoop {
        RecordingLoop(RecordingGroup parent, Executor executor, IoHandlerFactory ioHandlerFactory) {
            super(parent, executor, ioHandlerFactory);
        }

        @Override
        public ChannelFuture register(ChannelPromise promise) {
            REGISTERED.add(promise.channel());
            return super.register(promise);
        }

        @Override
        @Deprecated
        public ChannelFuture register(Channel channel, ChannelPromise promise) {
            REGISTERED.add(channel);
            return super.register(channel, promise);
        }
    }

    private static EventLoopGroup group(boolean epoll) {
        EventLoopGroup g = epoll ? epollGroup : nioGroup;
        if (g == null) {
            synchronized (Transports.class) {
                if (epoll && epollGroup == null) {
                    epollGroup = new RecordingGroup("hakmem-suite-epoll", EpollIoHandler.newFactory());
                } else if (!epoll && nioGroup == null) {
                    nioGroup = new RecordingGroup("hakmem-suite-nio", NioIoHandler.newFactory());
                }
                g = epoll ? epollGroup : nioGroup;
            }
        }
        return g;
    }

    private static List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> combo(
            Supplier<ServerBootstrap> server, Supplier<Bootstrap> client) {
        return List.of(new BootstrapComboFactory<>() {
            @Override
            public ServerBootstrap newServerInstance() {
                return server.get();
            }

            @Override
            public Bootstrap newClientInstance() {
                return client.get();
            }
        });
    }

    /** NIO server, NIO client. */
    public static List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> nio() {
        return combo(() -> new ServerBootstrap().group(group(false)).channel(NioServerSocketChannel.class),
                () -> new Bootstrap().group(group(false)).channel(NioSocketChannel.class));
    }

    /** Epoll server, epoll client. */
    public static List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> epoll() {
        return combo(() -> new ServerBootstrap().group(group(true)).channel(EpollServerSocketChannel.class),
                () -> new Bootstrap().group(group(true)).channel(EpollSocketChannel.class));
    }

    /**
     * What {@link #closeAll} found: the channels that were still open, and those of them that did
     * not close in time.
     */
    record Closed(List<Channel> wereOpen, List<Channel> stillOpen) {}

    /**
     * Closes every channel registered on the groups that is still open, server channels first (so
     * they accept nothing more), and waits until each is closed; channels a server channel
     * accepted meanwhile are closed too.
     */
    static Closed closeAll(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        List<Channel> wereOpen = new ArrayList<>();
        while (true) {
            REGISTERED.removeIf(c -> c.closeFuture().isDone());
            List<Channel> open = new ArrayList<>(REGISTERED);
            if (open.isEmpty()) {
                return new Closed(wereOpen, List.of());
            }
            open.sort((a, b) -> Boolean.compare(!(a instanceof ServerChannel), !(b instanceof ServerChannel)));
            wereOpen.addAll(open);
            for (Channel c : open) {
                c.close();
            }
            for (Channel c : open) {
                long rest = deadline - System.nanoTime();
                if (rest <= 0 || !c.closeFuture().await(rest, TimeUnit.NANOSECONDS)) {
                    REGISTERED.removeIf(ch -> ch.closeFuture().isDone());
                    return new Closed(wereOpen, List.copyOf(REGISTERED));
                }
            }
        }
    }
}
