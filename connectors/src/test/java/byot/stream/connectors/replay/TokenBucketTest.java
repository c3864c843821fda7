package byot.stream.connectors.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

    /** At 0.1 events/s the next permit is 10 s away; a replay stopped meanwhile (Ctrl-C) must end at once. */
    @Test
    void aWaitForTheNextPermitEndsSoonAfterItIsAbandoned() throws Exception {
        TokenBucket bucket = new TokenBucket(0.1, 1);
        assertThat(bucket.acquire(() -> false)).as("the first permit is there at once").isTrue();
        AtomicBoolean stop = new AtomicBoolean();
        Thread stopper = new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stop.set(true);
        });
        long start = System.nanoTime();
        stopper.start();
        boolean taken = bucket.acquire(stop::get);
        long waitedMs = (System.nanoTime() - start) / 1_000_000;
        stopper.join();
        assertThat(taken).isFalse();
        assertThat(waitedMs).as("ms waited after the stop at 200 ms").isBetween(150L, 1_500L);
    }

    @Test
    void permitsComeAtTheRate() {
        TokenBucket bucket = new TokenBucket(100, 1);
        long start = System.nanoTime();
        for (int i = 0; i < 21; i++) {
            assertThat(bucket.acquire(() -> false)).isTrue();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(seconds).as("20 intervals of 10 ms after the first permit").isBetween(0.18, 1.0);
    }
}
