package byot.stream.jobs.operators;

import java.util.List;

/**
 * Names of the Flink metrics the pipeline's operators register. They are an interface: dashboards and alerts
 * query them (docker/grafana/dashboards/byot.json), and DeploymentFilesTest fails when a query names a metric
 * that is not listed here. Flink's Prometheus reporter exposes an operator metric {@code m} as
 * {@code flink_taskmanager_job_task_operator_m}, and one in the {@code exit} group as
 * {@code flink_taskmanager_job_task_operator_exit_m} with the exit number (1 = shallowest) in label {@code exit}.
 */
public final class PipelineMetrics {

    private PipelineMetrics() {
    }

    /** Key of the per-exit group; its value is the exit number, 1-based. */
    public static final String EXIT_GROUP = "exit";

    /** early-exit: predictions made (operator-wide, and per exit in the exit group: the exit-depth counts). */
    public static final String PREDICTIONS = "predictions";
    /** early-exit: model updates refused (wrong shape or an older version). */
    public static final String MODEL_UPDATES_REJECTED = "modelUpdatesRejected";
    /** early-exit and fine-tune: the model version served / being trained. */
    public static final String MODEL_VERSION = "modelVersion";
    /** early-exit: event time to prediction, in milliseconds (a histogram: quantiles in Prometheus). */
    public static final String LATENCY_MS = "latencyMs";
    /** fine-tune: optimizer steps taken. */
    public static final String TRAINING_STEPS = "trainingSteps";
    /** fine-tune: loss of the latest step. */
    public static final String LOSS = "loss";
    /** fine-tune: labelled events held for replay. */
    public static final String REPLAY_SIZE = "replaySize";
    /** fine-tune, exit group: labelled events scored prequentially (before being trained on). */
    public static final String SCORED = "scored";
    /** fine-tune, exit group: of those, the ones this exit classified correctly. */
    public static final String CORRECT = "correct";
    /** fine-tune, exit group: prequential accuracy over the most recent labelled events. */
    public static final String RECENT_ACCURACY = "recentAccuracy";
    /** route: records that could not be decoded and went to the dead-letter topic. */
    public static final String DEAD_LETTERS = "deadLetters";

    /** images source: records whose event time lay outside the accepted bounds around arrival and was clamped. */
    public static final String EVENT_TIMES_CLAMPED = "eventTimesClamped";
    /** fine-tune: steps skipped because their loss was not finite (their new events went to the dead-letter topic). */
    public static final String SKIPPED_STEPS = "skippedSteps";
    /** fine-tune: labelled events that reached the replay reservoir without a step of their own (learner over its time share). */
    public static final String REPLAYED_ONLY = "replayedOnly";
    /** fine-tune: times the learner went back to its last published model because its weights were not finite. */
    public static final String ROLLBACKS = "rollbacks";
    /** fine-tune: candidate versions the publish gate held back (they scored worse than the served one on the holdout). */
    public static final String PUBLISHES_REFUSED = "publishesRefused";
    /** early-exit: events dead-lettered because the model's output for them was not finite. */
    public static final String NON_FINITE_OUTPUTS = "nonFiniteOutputs";

    /** fine-tune: drift alarms raised on the prequential error streams. */
    public static final String DRIFT_ALARMS = "driftAlarms";
    /** fine-tune: 1 while drift is active (for --drift-active-events labelled events after an alarm), else 0. */
    public static final String DRIFT_ACTIVE = "driftActive";
    /** fine-tune: input alignments adopted (a new intensity domain mapped back to the first one's intensities). */
    public static final String INPUT_ALIGNMENTS = "inputAlignments";

    /** fine-tune: wall-clock milliseconds of a training step's passes (a histogram; {@link LearnerTime}). */
    public static final String LEARNER_STEP_MS = "learnerStepMs";
    /**
     * fine-tune: of those, milliseconds the computing thread ran on a CPU (the rest it mostly waited for one; its
     * OpenMP workers, where a step has more than one thread, are not counted).
     */
    public static final String LEARNER_STEP_CPU_MS = "learnerStepCpuMs";
    /** fine-tune: wall-clock milliseconds of a publish-gate judgement. */
    public static final String PUBLISH_GATE_MS = "publishGateMs";

    /** Metrics registered directly on an operator's group. */
    public static final List<String> OPERATOR_METRICS =
            List.of(PREDICTIONS, MODEL_UPDATES_REJECTED, MODEL_VERSION, LATENCY_MS, TRAINING_STEPS, LOSS, REPLAY_SIZE, DEAD_LETTERS,
                    EVENT_TIMES_CLAMPED, SKIPPED_STEPS, ROLLBACKS, NON_FINITE_OUTPUTS, PUBLISHES_REFUSED, REPLAYED_ONLY,
                    DRIFT_ALARMS, DRIFT_ACTIVE, INPUT_ALIGNMENTS, LEARNER_STEP_MS, LEARNER_STEP_CPU_MS, PUBLISH_GATE_MS);

    /** Metrics registered in the per-exit group. */
    public static final List<String> EXIT_METRICS = List.of(PREDICTIONS, SCORED, CORRECT, RECENT_ACCURACY);
}
