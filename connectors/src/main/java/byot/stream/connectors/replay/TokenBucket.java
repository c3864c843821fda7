package byot.stream.connectors.replay;

import java.util.concurrent.locks.LockSupport;

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

    /** Blocks until one permit is available, then takes it. */
    void acquire() {
        while (true) {
            long now = System.nanoTime();
            tokens = Math.min(burst, tokens + (now - last) * ratePerNano);
            last = now;
            if (tokens >= 1) {
                tokens -= 1;
                return;
            }
            LockSupport.parkNanos((long) ((1 - tokens) / ratePerNano));
        }
    }
}
