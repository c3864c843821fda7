package byot.stream.jobs.adapt;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AdaptPipelineTest {

    @Test
    void aCameraClockInTheFutureCannotPushTheWatermark() {
        long kafka = 1_800_000_000_000L;
        assertThat(AdaptPipeline.watermarkTime(kafka - 500, kafka)).isEqualTo(kafka - 500);
        assertThat(AdaptPipeline.watermarkTime(kafka + 10 * 365 * 86_400_000L, kafka))
                .isEqualTo(kafka + AdaptPipeline.MAX_CLOCK_SKEW_MILLIS);
        assertThat(AdaptPipeline.watermarkTime(1234, -1)).isEqualTo(1234);
    }
}
