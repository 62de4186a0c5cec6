package io.keyway.gateway.service;

import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import java.util.concurrent.TimeUnit;

/**
 * A request's one-shot timeout (every request sets one and almost always cancels it): a task on the request's event
 * loop's own Netty scheduler, so setting and cancelling it touch only that loop's queue, where {@link Vertx#setTimer}
 * also keeps a timer id in a shared map and a close hook on the context, per request. The action runs on the
 * request's Vert.x context. Requests run on event loops only (a continuation from another thread is moved back to the
 * request's context first), so a call from anywhere else is a bug and fails at once.
 */
public final class LoopTimeout {

    private final ScheduledFuture<?> scheduled;

    private LoopTimeout(ScheduledFuture<?> scheduled) {
        this.scheduled = scheduled;
    }

    /** Runs {@code action} after {@code ms} milliseconds unless {@link #cancel}led first; call on an event loop. */
    public static LoopTimeout start(long ms, Runnable action) {
        Context current = Vertx.currentContext();
        if (!(current instanceof ContextInternal context) || !context.isEventLoopContext()) {
            throw new IllegalStateException("a request timeout must be set on the request's event loop, not on "
                    + Thread.currentThread().getName());
        }
        return new LoopTimeout(context.nettyEventLoop().schedule(
                () -> context.runOnContext(v -> action.run()), ms, TimeUnit.MILLISECONDS));
    }

    public void cancel() {
        scheduled.cancel(false);
    }
}
