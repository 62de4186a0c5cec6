package io.keyway.gateway.service;

import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import java.util.concurrent.TimeUnit;

/**
 * A request's one-shot timeout (every request sets one and almost always cancels it). On an event loop it is a task on
 * that loop's own Netty scheduler: setting and cancelling it touch only the loop's queue, where {@link Vertx#setTimer}
 * also keeps a timer id in a shared map and a close hook on the context, per request. The action still runs on the
 * request's Vert.x context. Off an event loop it is a plain Vert.x timer.
 */
public final class LoopTimeout {

    private final ScheduledFuture<?> scheduled;
    private final Vertx vertx;
    private final long timerId;

    private LoopTimeout(ScheduledFuture<?> scheduled, Vertx vertx, long timerId) {
        this.scheduled = scheduled;
        this.vertx = vertx;
        this.timerId = timerId;
    }

    /** Runs {@code action} after {@code ms} milliseconds unless {@link #cancel}led first. */
    public static LoopTimeout start(Vertx vertx, long ms, Runnable action) {
        Context current = Vertx.currentContext();
        if (current instanceof ContextInternal context && context.isEventLoopContext()) {
            return new LoopTimeout(context.nettyEventLoop().schedule(
                    () -> context.runOnContext(v -> action.run()), ms, TimeUnit.MILLISECONDS), null, -1);
        }
        return new LoopTimeout(null, vertx, vertx.setTimer(ms, id -> action.run()));
    }

    public void cancel() {
        if (scheduled != null) {
            scheduled.cancel(false);
        } else {
            vertx.cancelTimer(timerId);
        }
    }
}
