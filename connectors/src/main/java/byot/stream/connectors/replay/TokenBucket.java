package byot.stream.connectors.replay;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Paces a loop to {@code ratePerSecond} on average, allowing bursts of up to {@code burst} permits after a stall
 * (GC pause, slow broker) so the long-run rate still matches the target.
 */
final class TokenBucket {
    private final double ratePerNano;
    private final double burst;
    private double tokens;
    private long last;

    TokenBucket(double ratePerSecond, double burst) {
        if (ratePerSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("rate must be > 0 and burst >= 1");
        }
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.tokens = 1;
        this.last = System.nanoTime();
    }

    /** Longest single wait: at 0.1 events/s a permit is 10 s away, and a stop must not wait that long. */
    static final long MAX_PARK_NANOS = 100_000_000;

    /** Blocks until one permit is available, then takes it. */
    void acquire() {
        acquire(() -> false);
    }

    /**
     * As {@link #acquire()}, giving up as soon as {@code abandon} says so (checked at least every 100 ms).
     *
     * @return whether a permit was taken
     */
    boolean acquire(BooleanSupplier abandon) {
        while (true) {
            long now = System.nanoTime();
            tokens = Math.min(burst, tokens + (now - last) * ratePerNano);
            last = now;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            if (abandon.getAsBoolean()) {
                return false;
            }
            LockSupport.parkNanos(Math.min(MAX_PARK_NANOS, (long) ((1 - tokens) / ratePerNano)));
        }
    }
}
