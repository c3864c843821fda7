package byot.stream.jobs.adapt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AdaptPipelineTest {

    private static final long ARRIVAL = 1_800_000_000_000L;
    private final EventTimeBounds bounds = EventTimeBounds.defaults();

    @Test
    void eventTimesNearArrivalAreKept() {
        assertThat(bounds.clamp(ARRIVAL - 500, ARRIVAL)).isEqualTo(ARRIVAL - 500);
        assertThat(bounds.clamp(ARRIVAL + 59_000, ARRIVAL)).isEqualTo(ARRIVAL + 59_000);
        assertThat(bounds.clamp(ARRIVAL - 3_599_000, ARRIVAL)).isEqualTo(ARRIVAL - 3_599_000);
    }

    @Test
    void aCameraClockInTheFutureOrThePastIsClampedToTheNearestBound() {
        long year2100 = 4_102_444_800_000L;
        assertThat(bounds.clamp(year2100, ARRIVAL)).isEqualTo(ARRIVAL + 60_000);
        assertThat(bounds.clamp(1, ARRIVAL)).isEqualTo(ARRIVAL - 3_600_000);
        assertThat(bounds.clamp(Long.MIN_VALUE, ARRIVAL)).isEqualTo(ARRIVAL - 3_600_000);
        assertThat(bounds.clamp(Long.MAX_VALUE, ARRIVAL)).isEqualTo(ARRIVAL + 60_000);
    }

    @Test
    void boundsThatWouldStampSinkRecordsNearTheBrokersLimitAreRefused() {
        assertThatThrownBy(() -> new EventTimeBounds(Duration.ZERO, Duration.ofMinutes(45)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("broker");
        assertThatThrownBy(() -> new EventTimeBounds(Duration.ofSeconds(-1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
