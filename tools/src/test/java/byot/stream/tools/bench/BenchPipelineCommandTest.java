package byot.stream.tools.bench;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class BenchPipelineCommandTest {

    @Test
    void latencyAtHalfLoadReportsNearestRankQuantilesAndTheMaximum() {
        // 1..1000 ms shuffled: the 500th and 990th smallest, not interpolated.
        LongStream latencies = LongStream.rangeClosed(1, 1000).map(i -> (i * 7919) % 1000 + 1);
        assertThat(BenchPipelineCommand.latencyAtHalfLoad(369, latencies))
                .containsExactly(entry("rate", 369L), entry("p50Ms", 500L),
                        entry("p99Ms", 990L), entry("maxMs", 1000L));
    }

    @Test
    void latenciesOfSecondsStayExact() {
        assertThat(BenchPipelineCommand.latencyAtHalfLoad(10, LongStream.of(12_345, 23_456, 31_999)))
                .containsEntry("p50Ms", 23_456L).containsEntry("maxMs", 31_999L);
    }

    @Test
    void noLatenciesGiveZeros() {
        assertThat(BenchPipelineCommand.latencyAtHalfLoad(10, LongStream.empty()))
                .containsEntry("p50Ms", 0L).containsEntry("p99Ms", 0L).containsEntry("maxMs", 0L);
    }
}
