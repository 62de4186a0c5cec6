package io.keyway.keys.secrets;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** The secret caches' clock in tests: real time plus an offset that tests move forward (never back). */
@Alternative
@Priority(1)
@Singleton
public class AdjustableSecretClock extends SecretClock {

    private final AtomicLong offsetNanos = new AtomicLong();

    @Override
    public long nanoTime() {
        return super.nanoTime() + offsetNanos.get();
    }

    public void advance(Duration by) {
        offsetNanos.addAndGet(by.toNanos());
    }
}
