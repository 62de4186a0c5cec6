package io.keyway.keys.secrets;

import jakarta.inject.Singleton;

/** The time source of the secret caches (fresh TTL and stale window); a bean so that tests can move time on. */
@Singleton
public class SecretClock {

    /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
    public long nanoTime() {
        return System.nanoTime();
    }
}
