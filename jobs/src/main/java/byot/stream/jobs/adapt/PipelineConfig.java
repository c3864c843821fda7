package byot.stream.jobs.adapt;

import byot.stream.jobs.operators.AdaptConfig;
import byot.stream.jobs.operators.InferenceConfig;
import byot.stream.jobs.operators.drift.DriftConfig;
import java.time.Duration;

/**
 * Shape of the job graph, independent of where its data comes from.
 *
 * @param inferenceParallelism instances of the early-exit operator; 0 = the environment's default
 * @param metricsWindow        event-time window of the monitoring aggregates
 * @param eventTimeBounds      how far event times may stray from arrival before they are clamped
 * @param drift                drift detection, exit trust and threshold calibration of the learner
 */
public record PipelineConfig(InferenceConfig inference, AdaptConfig adapt, int inferenceParallelism,
                             Duration metricsWindow, Duration maxOutOfOrderness, EventTimeBounds eventTimeBounds,
                             DriftConfig drift) {

    /** Without drift awareness ({@link DriftConfig#off}): fixed thresholds, no alarms. */
    public PipelineConfig(InferenceConfig inference, AdaptConfig adapt, int inferenceParallelism, Duration metricsWindow,
                          Duration maxOutOfOrderness, EventTimeBounds eventTimeBounds) {
        this(inference, adapt, inferenceParallelism, metricsWindow, maxOutOfOrderness, eventTimeBounds, DriftConfig.off());
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
        java.util.Objects.requireNonNull(drift, "drift");
    }

    public PipelineConfig withDrift(DriftConfig drift) {
        return new PipelineConfig(inference, adapt, inferenceParallelism, metricsWindow, maxOutOfOrderness, eventTimeBounds, drift);
    }
}
