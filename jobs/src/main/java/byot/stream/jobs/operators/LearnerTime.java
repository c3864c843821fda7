package byot.stream.jobs.operators;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * Where the learner's time goes: each training step's forward and backward passes and each publish-gate judgement,
 * in wall-clock time and in CPU time of the thread that computed it (not of OpenMP worker threads, which a step has
 * when it runs on more than one: {@code --learner-idle-threads}). Why: the learner's steps per second are bounded
 * by what a step costs, by what the gate adds per publication, and by how much of the machine the learner gets
 * beside inference (wall-clock over CPU time); these say which.
 *
 * <p>Kept twice: as histograms in milliseconds ({@link PipelineMetrics#LEARNER_STEP_MS} and its siblings, for
 * dashboards), and as totals in job accumulators, which a local run reads back when its job ends
 * ({@link #read}: {@code bench pipeline}). A computation run on the task thread itself has no CPU time measured; it
 * counts in the wall-clock totals only.
 */
public final class LearnerTime {

    /** The learner's long computations: off its task thread where steps have a thread of their own (the default). */
    public enum Work {
        /** A training step's passes (drift-regime extra steps included), not the weights' update. */
        STEP,
        /**
         * The publish gate scoring a candidate (and the served version where needed) on the holdout; a holdout too
         * small to judge on scores nothing and is not counted.
         */
        GATE;

        /** The name of this work's accumulator of {@code total} ({@link #COUNT}, ...). */
        String accumulator(String total) {
            return "fine-tune-" + name().toLowerCase(Locale.ROOT) + "-" + total;
        }
    }

    /**
     * Totals of one kind of work.
     *
     * @param count    computations
     * @param nanos    their wall-clock time
     * @param cpuCount computations whose CPU time was measured
     * @param cpuNanos their CPU time
     */
    public record Totals(long count, long nanos, long cpuCount, long cpuNanos) {
        public static final Totals NONE = new Totals(0, 0, 0, 0);

        /** Mean wall-clock milliseconds per computation; NaN when there was none. */
        public double meanMillis() {
            return count == 0 ? Double.NaN : nanos / 1e6 / count;
        }

        /** Mean CPU milliseconds per computation whose CPU time was measured; NaN when none was. */
        public double meanCpuMillis() {
            return cpuCount == 0 ? Double.NaN : cpuNanos / 1e6 / cpuCount;
        }
    }

    static final String COUNT = "count";
    private static final String NANOS = "nanos";
    private static final String CPU_COUNT = "cpu-count";
    private static final String CPU_NANOS = "cpu-nanos";

    private final Map<Work, LongCounter[]> totals = new EnumMap<>(Work.class);
    private final Histogram stepMs;
    private final Histogram stepCpuMs;
    private final Histogram gateMs;

    /** @param accumulators where the totals register ({@code getRuntimeContext()::addAccumulator} in a job) */
    LearnerTime(BiConsumer<String, LongCounter> accumulators, MetricGroup metrics) {
        for (Work work : Work.values()) {
            LongCounter[] counters = new LongCounter[4];
            String[] names = {COUNT, NANOS, CPU_COUNT, CPU_NANOS};
            for (int i = 0; i < names.length; i++) {
                counters[i] = new LongCounter();
                accumulators.accept(work.accumulator(names[i]), counters[i]);
            }
            totals.put(work, counters);
        }
        stepMs = metrics.histogram(PipelineMetrics.LEARNER_STEP_MS, new DescriptiveStatisticsHistogram(1_000));
        stepCpuMs = metrics.histogram(PipelineMetrics.LEARNER_STEP_CPU_MS, new DescriptiveStatisticsHistogram(1_000));
        gateMs = metrics.histogram(PipelineMetrics.PUBLISH_GATE_MS, new DescriptiveStatisticsHistogram(1_000));
    }

    /** One computation's outcome: its wall-clock time and its CPU time (negative: not measured). */
    void record(Work work, StepRunner.Outcome<?> outcome) {
        LongCounter[] counters = totals.get(work);
        counters[0].add(1L);
        counters[1].add(outcome.nanos());
        if (outcome.cpuNanos() >= 0) {
            counters[2].add(1L);
            counters[3].add(outcome.cpuNanos());
        }
        long millis = Math.round(outcome.nanos() / 1e6);
        if (work == Work.STEP) {
            stepMs.update(millis);
            if (outcome.cpuNanos() >= 0) {
                stepCpuMs.update(Math.round(outcome.cpuNanos() / 1e6));
            }
        } else {
            gateMs.update(millis);
        }
    }

    /** The totals in a finished job's accumulators; {@link Totals#NONE} for work it has no record of. */
    public static Map<Work, Totals> read(Map<String, Object> accumulators) {
        Map<Work, Totals> read = new EnumMap<>(Work.class);
        for (Work work : Work.values()) {
            read.put(work, new Totals(total(accumulators, work.accumulator(COUNT)), total(accumulators, work.accumulator(NANOS)),
                    total(accumulators, work.accumulator(CPU_COUNT)), total(accumulators, work.accumulator(CPU_NANOS))));
        }
        return read;
    }

    private static long total(Map<String, Object> accumulators, String name) {
        return accumulators.get(name) instanceof Number n ? n.longValue() : 0;
    }
}
