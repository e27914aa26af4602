package dev.hakmem.netty.suite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.List;

/**
 * The epoll server and client bootstraps the suite's socket tests run over, as Netty's own epoll
 * test jar (not on Maven Central) sets them up: one event loop group of 4 daemon threads.
 */
public final class EpollCombos {

    private static final Throwable UNAVAILABILITY = probe();
    private static volatile EventLoopGroup group;

    private EpollCombos() {}

    /** Null when epoll works here: the library loads and makes a socket; else why not. */
    private static Throwable probe() {
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
    public static boolean available() {
        if (UNAVAILABILITY != null) {
            System.err.println("netty-testsuite over epoll skipped: the native library does not load here: " + UNAVAILABILITY);
        }
        return UNAVAILABILITY == null;
    }

    private static EventLoopGroup group() {
        EventLoopGroup g = group;
        if (g == null) {
            synchronized (EpollCombos.class) {
                if (group == null) {
                    group = new MultiThreadIoEventLoopGroup(4, new DefaultThreadFactory("hakmem-suite-epoll", true),
                            EpollIoHandler.newFactory());
                }
                g = group;
            }
        }
        return g;
    }

    /** Epoll server, epoll client. */
    public static List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> socket() {
        return List.of(new BootstrapComboFactory<>() {
            @Override
            public ServerBootstrap newServerInstance() {
                return new ServerBootstrap().group(group()).channel(EpollServerSocketChannel.class);
            }

            @Override
            public Bootstrap newClientInstance() {
                return new Bootstrap().group(group()).channel(EpollSocketChannel.class);
            }
        });
    }
}
