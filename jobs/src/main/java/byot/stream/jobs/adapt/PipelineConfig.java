package byot.stream.jobs.adapt;

import byot.stream.jobs.operators.AdaptConfig;
import byot.stream.jobs.operators.InferenceConfig;
import byot.stream.jobs.operators.LearnerBudget;
import byot.stream.jobs.operators.drift.DriftConfig;
import java.time.Duration;

/**
 * Shape of the job graph, independent of where its data comes from.
 *
 * @param inferenceParallelism instances of the early-exit operator; 0 = the environment's default
 * @param metricsWindow        event-time window of the monitoring aggregates
 * @param eventTimeBounds      how far event times may stray from arrival before they are clamped
 * @param learnerSlotGroup     slot-sharing group of the learner; {@link #SHARED_SLOTS} puts it in the slots of the
 *                             rest of the job, another name in slots of its own (a TaskManager of its own on a cluster)
 * @param learnerBudget        how much of a shared machine the learner may take from inference
 * @param drift                drift detection, exit trust and threshold calibration of the learner
 */
public record PipelineConfig(InferenceConfig inference, AdaptConfig adapt, int inferenceParallelism,
                             Duration metricsWindow, Duration maxOutOfOrderness, EventTimeBounds eventTimeBounds,
                             String learnerSlotGroup, LearnerBudget learnerBudget, DriftConfig drift) {

    /** Flink's own default slot-sharing group: the learner shares slots with inference. */
    public static final String SHARED_SLOTS = "default";

    /** With the learner in shared slots and no budget, as before budgets existed, and no drift awareness. */
    public PipelineConfig(InferenceConfig inference, AdaptConfig adapt, int inferenceParallelism, Duration metricsWindow,
                          Duration maxOutOfOrderness, EventTimeBounds eventTimeBounds) {
        this(inference, adapt, inferenceParallelism, metricsWindow, maxOutOfOrderness, eventTimeBounds, SHARED_SLOTS,
                LearnerBudget.UNBOUNDED, DriftConfig.off());
    }

    /** With the default {@link EventTimeBounds}. */
    public PipelineConfig(InferenceConfig inference, AdaptConfig adapt, int inferenceParallelism, Duration metricsWindow,
                          Duration maxOutOfOrderness) {
        this(inference, adapt, inferenceParallelism, metricsWindow, maxOutOfOrderness, EventTimeBounds.defaults());
    }

    public PipelineConfig {
        if (inferenceParallelism < 0) {
            throw new IllegalArgumentException("inference parallelism must be >= 0, got " + inferenceParallelism);
        }
        if (metricsWindow.isNegative() || metricsWindow.isZero()) {
            throw new IllegalArgumentException("metrics window must be positive, got " + metricsWindow);
        }
        java.util.Objects.requireNonNull(eventTimeBounds, "eventTimeBounds");
        java.util.Objects.requireNonNull(learnerBudget, "learnerBudget");
        java.util.Objects.requireNonNull(drift, "drift");
        if (learnerSlotGroup == null || learnerSlotGroup.isBlank()) {
            throw new IllegalArgumentException("the learner's slot-sharing group needs a name ('" + SHARED_SLOTS
                    + "' to share slots), got '" + learnerSlotGroup + "'");
        }
    }

    /** The same pipeline serving with other inference settings (a benchmark's forced full depth). */
    public PipelineConfig withInference(InferenceConfig other) {
        return new PipelineConfig(other, adapt, inferenceParallelism, metricsWindow, maxOutOfOrderness, eventTimeBounds,
                learnerSlotGroup, learnerBudget, drift);
    }

    public PipelineConfig withDrift(DriftConfig drift) {
        return new PipelineConfig(inference, adapt, inferenceParallelism, metricsWindow, maxOutOfOrderness, eventTimeBounds,
                learnerSlotGroup, learnerBudget, drift);
    }
}
