package io.netty.buffer;

import io.netty.util.ResourceLeakDetector.LeakListener;

/**
 * Test access to the leak detector every Netty buffer reports to, which Netty keeps
 * package-private: sets the listener it calls with each leak it reports.
 */
public final class LeakListenerAccess {
    private LeakListenerAccess() {}

    /** Sets (or, with null, removes) the listener of {@code AbstractByteBuf}'s leak detector. */
    public static void setListener(LeakListener listener) {
        AbstractByteBuf.leakDetector.setLeakListener(listener);
    }
}
