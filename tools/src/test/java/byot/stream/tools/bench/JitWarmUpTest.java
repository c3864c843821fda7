package byot.stream.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class JitWarmUpTest {

    /** A compile clock that the chunks advance: 15 ms of compiling per 20 ms chunk is 0.75 of a core. */
    private final AtomicLong compiled = new AtomicLong();

    @Test
    void stopsAfterTheFirstChunkInWhichTheJitCompiledLessThanATenthOfACore() throws Exception {
        JitWarmUp warmUp = new JitWarmUp(Duration.ofMinutes(1), compiled::get);

        JitWarmUp.Result result = warmUp.run(chunk -> {
            Thread.sleep(20);
            if (chunk < 3) {
                compiled.addAndGet(15);
            }
            return 100;
        });

        assertThat(result.settled()).isTrue();
        assertThat(result.events()).as("three compiling chunks, then the quiet one").isEqualTo(400);
        assertThat(result.lastChunkJitCores()).isZero();
        assertThat(result.seconds()).isGreaterThanOrEqualTo(0.08);
    }

    @Test
    void aJitThatNeverSettlesEndsTheWarmUpAtItsLimitAndSaysSo() throws Exception {
        JitWarmUp warmUp = new JitWarmUp(Duration.ofMillis(150), compiled::get);

        JitWarmUp.Result result = warmUp.run(chunk -> {
            Thread.sleep(20);
            compiled.addAndGet(15);
            return 10;
        });

        assertThat(result.settled()).isFalse();
        assertThat(result.seconds()).isGreaterThanOrEqualTo(0.15);
        assertThat(result.events()).isBetween(10, 80);   // at most eight 20 ms chunks start within 150 ms
        assertThat(result.lastChunkJitCores()).isGreaterThan(JitWarmUp.SETTLED_CORES);
    }

    @Test
    void noWarmUpSendsNothing() throws Exception {
        JitWarmUp.Result result = new JitWarmUp(Duration.ZERO, compiled::get).run(chunk -> {
            throw new AssertionError("no chunk is sent without a warm-up");
        });

        assertThat(result).isEqualTo(JitWarmUp.Result.NONE);
    }

    @Test
    void aNegativeLimitIsRefused() {
        assertThatThrownBy(() -> new JitWarmUp(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not be negative");
    }
}
