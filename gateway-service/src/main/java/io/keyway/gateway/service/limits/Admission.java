package io.keyway.gateway.service.limits;

import java.util.ArrayList;
import java.util.List;

/**
 * What one request holds of the concurrency limits (its in-flight slots), given back once when the request ends —
 * whichever way it ends: answered, refused, failed, a stream finished, or the client gone. The HTTP route ends it
 * from the response's end (which Vert.x also signals when the connection closes first), so no path of the flow can
 * keep a slot. A slot taken after the end (the client left while the request was being admitted) is given back at once.
 */
public final class Admission {

    private List<Runnable> releases;
    private boolean ended;

    /** Keeps {@code release} until {@link #end}; runs it at once when the request has already ended. */
    public void hold(Runnable release) {
        synchronized (this) {
            if (!ended) {
                if (releases == null) {
                    releases = new ArrayList<>(2);
                }
                releases.add(release);
                return;
            }
        }
        release.run();
    }

    /** Gives back every slot held; later calls do nothing. */
    public void end() {
        List<Runnable> held;
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            held = releases;
            releases = null;
        }
        if (held != null) {
            held.forEach(Runnable::run);
        }
    }
}
