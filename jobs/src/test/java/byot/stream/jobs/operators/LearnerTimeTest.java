package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/**
 * The learner's time reaches a finished job's accumulators as totals per kind of work (CPU time only where it was
 * measured) and its metrics as histograms in milliseconds.
 */
class LearnerTimeTest {

    private final Map<String, LongCounter> accumulators = new HashMap<>();
    private final Map<String, Histogram> histograms = new HashMap<>();
    private final MetricGroup metrics = new UnregisteredMetricsGroup() {
        @Override
        public <H extends Histogram> H histogram(String name, H histogram) {
            histograms.put(name, histogram);
            return histogram;
        }
    };

    @Test
    void totalsPerKindOfWorkReadBackFromTheAccumulators() {
        LearnerTime time = new LearnerTime(accumulators::put, metrics);
        time.record(LearnerTime.Work.STEP, outcome(80_000_000L, 50_000_000L));
        time.record(LearnerTime.Work.STEP, outcome(120_000_000L, 70_000_000L));
        time.record(LearnerTime.Work.STEP, outcome(30_000_000L, -1));   // computed on the task thread: no CPU time
        time.record(LearnerTime.Work.GATE, outcome(400_000_000L, 250_000_000L));

        Map<LearnerTime.Work, LearnerTime.Totals> read = LearnerTime.read(finished());

        assertThat(read.get(LearnerTime.Work.STEP)).isEqualTo(new LearnerTime.Totals(3, 230_000_000L, 2, 120_000_000L));
        assertThat(read.get(LearnerTime.Work.STEP).meanMillis()).isCloseTo(76.67, offset(0.01));
        assertThat(read.get(LearnerTime.Work.STEP).meanCpuMillis()).isEqualTo(60.0);
        assertThat(read.get(LearnerTime.Work.GATE)).isEqualTo(new LearnerTime.Totals(1, 400_000_000L, 1, 250_000_000L));
    }

    @Test
    void histogramsInMillisecondsCpuOnlyWhereMeasured() {
        LearnerTime time = new LearnerTime(accumulators::put, metrics);
        time.record(LearnerTime.Work.STEP, outcome(80_000_000L, 50_000_000L));
        time.record(LearnerTime.Work.STEP, outcome(30_000_000L, -1));
        time.record(LearnerTime.Work.GATE, outcome(400_000_000L, 250_000_000L));

        assertThat(histograms.get(PipelineMetrics.LEARNER_STEP_MS).getStatistics().getValues()).containsExactly(80, 30);
        assertThat(histograms.get(PipelineMetrics.LEARNER_STEP_CPU_MS).getStatistics().getValues()).containsExactly(50);
        assertThat(histograms.get(PipelineMetrics.PUBLISH_GATE_MS).getStatistics().getValues()).containsExactly(400);
        assertThat(PipelineMetrics.OPERATOR_METRICS).containsAll(histograms.keySet());
    }

    @Test
    void aJobWithoutALearnerReadsAsNoWork() {
        Map<LearnerTime.Work, LearnerTime.Totals> read = LearnerTime.read(Map.of("fine-tune-steps", 3L));

        assertThat(read).containsEntry(LearnerTime.Work.STEP, LearnerTime.Totals.NONE)
                .containsEntry(LearnerTime.Work.GATE, LearnerTime.Totals.NONE);
        assertThat(LearnerTime.Totals.NONE.meanMillis()).isNaN();
        assertThat(LearnerTime.Totals.NONE.meanCpuMillis()).isNaN();
    }

    /** What a finished job's client hands over: each accumulator's value. */
    private Map<String, Object> finished() {
        Map<String, Object> values = new HashMap<>();
        accumulators.forEach((name, counter) -> values.put(name, counter.getLocalValue()));
        return values;
    }

    private static StepRunner.Outcome<Object> outcome(long nanos, long cpuNanos) {
        return new StepRunner.Outcome<>(null, null, nanos, cpuNanos);
    }
}
