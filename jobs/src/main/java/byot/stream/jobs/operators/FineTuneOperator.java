package byot.stream.jobs.operators;

import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.DriftAlarm;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.MalformedRecordException.Reason;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.jobs.operators.drift.DriftAwareness;
import byot.stream.jobs.operators.drift.DriftConfig;
import byot.stream.jobs.operators.drift.InputAligner;
import byot.stream.model.MultiExitModel;
import byot.stream.model.eval.ExitScores;
import byot.stream.model.exit.CalibratedExits;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.exit.ExitPolicy;
import byot.stream.model.input.DomainRouter;
import byot.stream.model.input.InputAlignment;
import byot.stream.model.io.ModelFile;
import byot.stream.model.io.ModelFormatException;
import byot.stream.model.io.RequiredTensors;
import byot.stream.model.loss.ContinualTerms;
import byot.stream.model.loss.LogitAdjustment;
import byot.stream.model.train.NonFiniteLossException;
import byot.stream.model.train.StepResult;
import byot.stream.model.train.Trainer;
import byot.stream.model.train.TrainingEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.util.OutputTag;

/**
 * Continual BYOT fine-tuning from labelled events (parallelism 1: one learner, one version line).
 *
 * <p>Every {@code newPerStep} labelled events make one step: the new events plus replayed ones form the
 * batch. The step's forward pass runs before the weights move, so its per-exit predictions on the new events
 * are prequential scores (test, then train); they leave on {@link #SCORES}. Every few steps or seconds the
 * model is published as a new version on the main output, for the inference operators and the models topic.
 *
 * <p>Weights, optimizer state, step, version, replay reservoir and the not-yet-trained events are operator
 * state, so a restore continues exactly where the last checkpoint stood, and the learner then announces the
 * model it resumed with ({@link #announceRestored}). Versions never go down.
 *
 * <p>A step whose loss is not finite changes nothing and is skipped: its new events go to {@link #DEAD_LETTERS}
 * with reason {@code NON_FINITE_LOSS} and are not kept for replay. Weights are checked before every publication;
 * when they are not finite the learner goes back to the last model it published (or started from), so no
 * non-finite model ever leaves it. Throwing instead would fail the job, and the restore would replay the same
 * batch (replay sampling depends only on the seed and the count) into the same failure forever.
 *
 * <p>Each completed checkpoint and each restore is logged with the model's version and weights digest
 * ({@link CheckpointedModel}), so a restore can be checked against the checkpoint it came from.
 */
public final class FineTuneOperator extends AbstractStreamOperator<ModelUpdate>
        implements OneInputStreamOperator<ImageEvent, ModelUpdate>, BoundedOneInput {

    public static final OutputTag<ExitScore> SCORES = new OutputTag<>("exit-scores") {};
    /** Drift alarms, for the metrics windows. */
    public static final OutputTag<DriftAlarm> DRIFT_ALARMS = new OutputTag<>("drift-alarms") {};
    /** Labelled events the learner could not learn from. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("fine-tune-dead-letters") {};
    /** Every decision of the publish gate, published or refused. */
    public static final OutputTag<GateVerdict> GATE = new OutputTag<>("publish-gate") {};

    /** State names; part of the savepoint format. */
    static final String MODEL = "fine-tuned-model";
    static final String REPLAY = "replay-buffer";
    static final String PENDING = "pending-events";
    /** Flink timestamps of the pending events (event time clamped at the source), in the order of {@link #PENDING}. */
    static final String PENDING_TIMESTAMPS = "pending-timestamps";
    static final String REPLAY_SEEN = "replay-seen";
    static final String UNPUBLISHED_STEPS = "unpublished-steps";
    static final String UNLABELLED_PENDING = "unlabelled-pending";
    static final String HOLDOUT = "holdout";
    static final String HOLDOUT_COUNT = "holdout-count";
    /** The model file of the version being served: what the gate compares with and a refusal returns to. */
    static final String SERVED_MODEL = "served-model";

    /** Labelled events behind the per-exit {@code recentAccuracy} gauges. */
    static final int RECENT_ACCURACY_WINDOW = 500;

    /** Accumulator of the steps taken: what a local run reads back from its job client ({@code bench pipeline}). */
    public static final String STEPS_ACCUMULATOR = "fine-tune-steps";
    /** Name of the thread that computes the steps where they have a thread of their own (what {@code top -H} shows). */
    static final String STEP_THREAD_NAME = "byot-learner-steps";

    private final AdaptConfig config;
    private final LearnerBudget budget;
    private final byte[] initialModel;
    private final DriftConfig driftConfig;
    /** The policy inference starts with, what the drift calibration starts from (ExitPolicy itself is not serializable). */
    private final ExitCriterion servedCriterion;
    private final double[] servedThresholds;

    private transient MultiExitModel model;
    private transient Trainer trainer;
    private transient ReplayBuffer replay;
    private transient List<ImageEvent> pending;
    private transient ListState<byte[]> modelState;
    private transient ListState<ImageEvent> replayState;
    private transient ListState<ImageEvent> pendingState;
    /**
     * The pending events' Flink timestamps: their scores and the watermark hold use these, not the cameras' raw
     * clocks, which the source clamped for a reason (a score stamped 2100 would open a metrics window the broker
     * refuses to store).
     */
    private transient List<Long> pendingTimestamps;
    private transient ListState<Long> pendingTimestampsState;
    private transient ListState<Long> seenState;
    private transient ListState<Integer> unpublishedState;
    private transient boolean restored;
    private transient int stepsSincePublish;
    private transient byte[] snapshotBytes;
    private transient String snapshotWeights;
    private transient Map<Long, CheckpointedModel> uncompletedCheckpoints;
    private transient boolean announceOwed;
    private transient boolean publishTimerSet;
    /** Whether a timer will step on labelled events that have waited a publication interval for a batch to fill. */
    private transient boolean staleTimerSet;
    private transient long lastPublishNanos;
    private transient long lastTimestamp;
    /** Set in open(): Flink ships the operator serialized, and deserialising runs no transient field's initialiser. */
    private transient long inputWatermark;
    private transient long emittedWatermark;
    /** Whether the input is idle, and whether this operator has said so downstream (only once nothing waits). */
    private transient boolean inputIdle;
    private transient boolean emittedIdle;
    private transient Counter steps;
    private transient Counter skippedSteps;
    private transient Counter rollbacks;
    /** The last model that left this operator (or the one it started from): what a rollback returns to. */
    private transient byte[] lastGood;
    private transient RequiredTensors requiredTensors;
    private transient ImageEventCodec eventCodec;
    private transient Counter[] scored;
    private transient Counter[] correct;
    private transient RecentAccuracy recentAccuracy;
    private transient UnlabelledPool unlabelledPool;
    /** {@link #unlabelled()}: what this task's engine can do of {@code config.unlabelled()}. */
    private transient AdaptConfig.Unlabelled unlabelled;
    /** {@link #logitAdjustment()}: what this task's engine can do of {@code config.logitAdjustment()}. */
    private transient LogitAdjustment logitAdjustment;
    private transient ListState<ImageEvent> unlabelledState;
    private transient Holdout holdout;
    private transient ListState<ImageEvent> holdoutState;
    private transient ListState<Long> holdoutCountState;
    private transient ListState<byte[]> servedState;
    private transient PublishGate gate;
    private transient Counter publishesRefused;
    private transient Counter alignmentsAdopted;
    private transient volatile double lastLoss;
    private transient StepPacer pacer;
    private transient boolean pacedStepTimerSet;
    private transient Counter replayedOnly;
    private transient LongCounter stepsTaken;
    private transient LearnerTime learnerTime;
    private transient DriftAwareness drift;
    /**
     * The early-exit thresholds and trust the last published version carries ({@code null}: none). Checkpointed
     * inside the model bytes, so that a restored learner goes on publishing them instead of the flags' defaults.
     */
    private transient CalibratedExits published;
    /** Fits the input alignment of new intensity domains; {@code null} when alignment is off. */
    private transient InputAligner aligner;
    /** Routes the learner's images through the current alignment; {@code null} while there is none. */
    private transient DomainRouter router;
    /** The alignment the model the learner starts from carries. */
    private transient InputAlignment startAlignment;
    /** Where steps compute ({@link StepRunner}); their results are applied on this task thread. */
    private transient StepRunner runner;
    /** The step whose passes are computing, if any. */
    private transient InFlight inFlight;
    /** When the running chain of steps (a step and its drift-regime extra steps) started, for the pacer. */
    private transient long chainStartNanos;
    /** The running chain's computations: their time, and how much of it the computing thread was on a CPU (-1: not known). */
    private transient long chainWorkNanos;
    private transient long chainCpuNanos;

    /**
     * A step started and not yet applied: the labelled events it learns from (taken out of {@code pending}, which
     * collects the next step's meanwhile), their timestamps, the unlabelled events drained into its batch, and the
     * version its prequential scores are of. An extra step of the drift regime has no events of its own.
     */
    private record InFlight(List<ImageEvent> events, List<Long> timestamps, List<ImageEvent> unlabelled, long versionBefore) {
        static InFlight extra(long version) {
            return new InFlight(List.of(), List.of(), List.of(), version);
        }
    }

    /** A learner without drift detection or threshold calibration. */
    public FineTuneOperator(AdaptConfig config, byte[] initialModel) {
        this(config, LearnerBudget.UNBOUNDED, initialModel);
    }

    public FineTuneOperator(AdaptConfig config, LearnerBudget budget, byte[] initialModel) {
        this(config, budget, initialModel, DriftConfig.off(), null);
    }

    public FineTuneOperator(AdaptConfig config, byte[] initialModel, DriftConfig drift, ExitPolicy servedPolicy) {
        this(config, LearnerBudget.UNBOUNDED, initialModel, drift, servedPolicy);
    }

    /**
     * @param budget       how much of a shared machine the learner may take from inference
     * @param servedPolicy the early-exit policy inference starts with; needed when {@code drift} calibrates or
     *                     detects, else may be null
     */
    public FineTuneOperator(AdaptConfig config, LearnerBudget budget, byte[] initialModel, DriftConfig drift,
                            ExitPolicy servedPolicy) {
        this.config = config;
        this.budget = budget;
        this.initialModel = initialModel;
        this.driftConfig = drift;
        if (servedPolicy == null && (drift.detects() || drift.calibration().enabled())) {
            throw new IllegalArgumentException("drift detection and calibration need the served early-exit policy");
        }
        this.servedCriterion = servedPolicy == null ? null : servedPolicy.criterion();
        this.servedThresholds = servedPolicy == null ? null : servedPolicy.thresholds();
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        var store = context.getOperatorStateStore();
        modelState = store.getListState(new ListStateDescriptor<>(MODEL, byte[].class));
        replayState = store.getListState(new ListStateDescriptor<>(REPLAY, ImageEvent.class));
        pendingState = store.getListState(new ListStateDescriptor<>(PENDING, ImageEvent.class));
        pendingTimestampsState = store.getListState(new ListStateDescriptor<>(PENDING_TIMESTAMPS, Long.class));
        seenState = store.getListState(new ListStateDescriptor<>(REPLAY_SEEN, Long.class));
        unpublishedState = store.getListState(new ListStateDescriptor<>(UNPUBLISHED_STEPS, Integer.class));
        unlabelledState = store.getListState(new ListStateDescriptor<>(UNLABELLED_PENDING, ImageEvent.class));
        holdoutState = store.getListState(new ListStateDescriptor<>(HOLDOUT, ImageEvent.class));
        holdoutCountState = store.getListState(new ListStateDescriptor<>(HOLDOUT_COUNT, Long.class));
        servedState = store.getListState(new ListStateDescriptor<>(SERVED_MODEL, byte[].class));

        byte[] saved = null;
        for (byte[] b : modelState.get()) {
            saved = b;
        }
        requiredTensors = new RequiredTensors(1);
        lastGood = saved != null ? saved : initialModel;
        model = ModelFile.fromBytes(lastGood, requiredTensors);
        startAlignment = ModelFile.inputAlignment(lastGood).orElse(null);
        for (byte[] b : servedState.get()) {
            lastGood = b;   // without it (a snapshot from before this state existed) the checkpointed model stands in
        }
        long seen = 0;
        for (Long s : seenState.get()) {
            seen = s;
        }
        replay = new ReplayBuffer(config.batching().replayCapacity(), toList(replayState.get()), seen, config.seed());
        pending = new ArrayList<>(toList(pendingState.get()));
        unlabelledPool = new UnlabelledPool(config.batching().newPerStep(), toList(unlabelledState.get()));
        List<Long> heldOut = toList(holdoutCountState.get());
        holdout = new Holdout(config.gate().holdoutEvery(), config.gate().holdoutSize(), toList(holdoutState.get()),
                heldOut.isEmpty() ? 0 : heldOut.get(0));
        pendingTimestamps = new ArrayList<>(toList(pendingTimestampsState.get()));
        if (pendingTimestamps.size() != pending.size()) {   // a snapshot from before the timestamps were kept
            pendingTimestamps = new ArrayList<>(pending.stream().map(ImageEvent::eventTimeMillis).toList());
        }
        restored = saved != null;
        uncompletedCheckpoints = new TreeMap<>();
        if (restored) {
            // A snapshot from before this state existed cannot tell: assume unpublished steps, so versions still grow.
            List<Integer> unpublished = toList(unpublishedState.get());
            stepsSincePublish = unpublished.isEmpty() ? 1 : unpublished.get(0);
            announceOwed = true;
            snapshotWeights = ModelFile.weightsChecksum(model);
            long checkpoint = context.getRestoredCheckpointId().orElse(-1);
            LOG.info(new CheckpointedModel(checkpoint, model.version(), snapshotWeights).restoredLine());
            adoptIfNewer();
            // The served model's (with a publish gate), else the checkpoint's copy of the last publication's.
            published = ModelFile.calibration(lastGood).orElse(ModelFile.calibration(saved).orElse(null));
        }
    }

    /**
     * On a restore, a starting model newer than the checkpoint's replaces its weights and version (replay reservoir,
     * holdout and offsets stay): a {@code byot rollback} published while the job was stopped. A failover restarts
     * with the model the job was submitted with, which no checkpoint is older than, so it never gets here.
     */
    private void adoptIfNewer() throws ModelFormatException {
        MultiExitModel offered = ModelFile.fromBytes(initialModel, requiredTensors);
        if (offered.version() <= model.version()) {
            offered.release();
            return;
        }
        LOG.warn("the starting model (version {}) is newer than the checkpoint's (version {}), a rollback: the learner"
                + " continues from its weights", offered.version(), model.version());
        model.release();
        model = offered;
        lastGood = initialModel;
        stepsSincePublish = 0;   // announced as it is, the version the rollback gave it
        snapshotWeights = ModelFile.weightsChecksum(model);
    }

    @Override
    public void open() throws Exception {
        super.open();
        inputWatermark = Long.MIN_VALUE;
        emittedWatermark = Long.MIN_VALUE;
        trainer = newTrainer();
        gate = config.gate().enabled() ? new PublishGate(config.gate()) : null;
        lastPublishNanos = System.nanoTime();
        // open() runs on the task thread that also runs every timer of this operator, and every step unless steps have
        // a thread of their own. With their own thread the task thread reads input, scores each step's events with the
        // served version for drift detection (a forward pass of one batch), hands the batch over, and applies and
        // publishes results; the passes and the gate's scoring are the step thread's. It keeps normal priority, since
        // at nice 19 on a loaded machine it stopped reading for long stretches, its input filled up, and the source,
        // which feeds inference too, stalled behind it.
        if (budget.ownThread()) {
            budget.limitThreadsOfCallingThread();
        } else if (!budget.applyToCallingThread()) {
            LOG.warn("could not lower the learner thread's priority to nice {} on this system; it competes with inference", budget.nice());
        }
        pacer = new StepPacer(budget.timeShare(), getProcessingTimeService().getCurrentProcessingTime());
        runner = budget.ownThread()
                ? StepRunner.background(getContainingTask().getMailboxExecutorFactory().createExecutor(TaskMailbox.MIN_PRIORITY),
                        budget, STEP_THREAD_NAME)
                : StepRunner.inline();
        stepsTaken = new LongCounter();
        getRuntimeContext().addAccumulator(STEPS_ACCUMULATOR, stepsTaken);
        var metrics = getMetricGroup();
        learnerTime = new LearnerTime(getRuntimeContext()::addAccumulator, metrics);
        steps = metrics.counter(PipelineMetrics.TRAINING_STEPS);
        skippedSteps = metrics.counter(PipelineMetrics.SKIPPED_STEPS);
        rollbacks = metrics.counter(PipelineMetrics.ROLLBACKS);
        publishesRefused = metrics.counter(PipelineMetrics.PUBLISHES_REFUSED);
        alignmentsAdopted = metrics.counter(PipelineMetrics.INPUT_ALIGNMENTS);
        replayedOnly = metrics.counter(PipelineMetrics.REPLAYED_ONLY);
        // Events reach this operator decoded under the source's limits (--max-pixel-bytes may raise them above the
        // defaults): the dead letter's copy must not refuse what the source accepted, or the event fails the task.
        eventCodec = new ImageEventCodec(ImageLimits.WIRE_FORMAT);
        metrics.gauge(PipelineMetrics.MODEL_VERSION, () -> model.version());
        metrics.gauge(PipelineMetrics.LOSS, () -> lastLoss);
        metrics.gauge(PipelineMetrics.REPLAY_SIZE, () -> replay.size());
        int exits = model.spec().sections();
        recentAccuracy = new RecentAccuracy(exits, RECENT_ACCURACY_WINDOW);
        scored = new Counter[exits];
        correct = new Counter[exits];
        for (int e = 0; e < exits; e++) {
            int exit = e;
            var group = metrics.addGroup(PipelineMetrics.EXIT_GROUP, String.valueOf(e + 1));
            scored[e] = group.counter(PipelineMetrics.SCORED);
            correct[e] = group.counter(PipelineMetrics.CORRECT);
            group.gauge(PipelineMetrics.RECENT_ACCURACY, () -> recentAccuracy.of(exit));
        }
        drift = new DriftAwareness(driftConfig, servedCriterion != null ? new ExitPolicy(servedCriterion, servedThresholds)
                : ExitPolicy.fullDepth(exits), exits, config.seed());
        drift.countAlarmsIn(metrics.counter(PipelineMetrics.DRIFT_ALARMS));
        metrics.gauge(PipelineMetrics.DRIFT_ACTIVE, () -> drift.active() ? 1 : 0);
        drift.resume(published);
        drift.published(model);
        if (driftConfig.alignment().enabled()) {
            aligner = new InputAligner(driftConfig.alignment().minLabelled(), exits, startAlignment);
        }
        router = startAlignment == null ? null : new DomainRouter(startAlignment);
        if (restored) {
            // Announced from the mailbox, not from open(): the output is only safe to use there. The timer covers a
            // stream without input; an event that comes first announces before it is learned from.
            // Restored waiting events step when enough of them wait, or once they have waited too long.
            getProcessingTimeService().registerTimer(getProcessingTimeService().getCurrentProcessingTime(), time -> {
                announceRestored();
                if (!runner.busy()) {
                    stepIfBatchWaiting();
                }
                armStaleTimer();
            });
        }
    }

    /**
     * Tells the models topic which model the learner resumed with, so a restore is visible and checkable there:
     * the restored version again (same weights) when its last steps had been published, else the
     * next version carrying the steps taken after the last publication. Inference instances ignore the repeat.
     */
    private void announceRestored() {
        if (!announceOwed) {
            return;
        }
        announceOwed = false;
        lastTimestamp = System.currentTimeMillis();
        if (stepsSincePublish > 0) {
            publish();
            return;
        }
        byte[] payload = ModelFile.toBytes(model, false, published, alignment());
        LOG.info("resumed from a checkpoint with model version {} ({})", model.version(), ModelFile.checksum(payload));
        output.collect(new StreamRecord<>(new ModelUpdate(model.version(), lastTimestamp, model.spec().summary(), payload),
                lastTimestamp));
    }

    @Override
    public void processElement(StreamRecord<ImageEvent> element) {
        ImageEvent event = element.getValue();
        if (!event.labeled()) {
            observeInput(element, false);
            if (unlabelled().enabled()) {
                unlabelledPool.offer(event);   // rides along with the next step's labelled events
            }
            return;
        }
        announceRestored(); // before any step, so the announced weights are the restored ones
        boolean heldOut = holdout.take(event);
        observeInput(element, !heldOut);
        if (heldOut) {
            return;   // held out for the publish gate: never trained on
        }
        lastTimestamp = element.hasTimestamp() ? element.getTimestamp() : event.eventTimeMillis();
        pending.add(event);
        pendingTimestamps.add(lastTimestamp);
        stepIfBatchWaiting();
        armStaleTimer();
    }

    /**
     * Labels may stop, or trickle, while images keep coming: the few labelled events waiting for a batch hold the
     * learner's watermark, and with it every metrics window of the job (the broadcast of model updates joins
     * inference's watermark). After a publication interval of processing time they are stepped on however few.
     */
    private void armStaleTimer() {
        if (staleTimerSet || pending.isEmpty()) {
            return;
        }
        staleTimerSet = true;
        var clock = getProcessingTimeService();
        clock.registerTimer(clock.getCurrentProcessingTime() + (long) (config.publishing().everySeconds() * 1000), time -> {
            staleTimerSet = false;
            if (pending.isEmpty()) {
                return;
            }
            if (runner.busy() || !pacer.mayStep(clock.getCurrentProcessingTime())) {
                armStaleTimer();   // the running step or the pacer's rest first; then look again
                return;
            }
            startStep();
        });
    }

    /**
     * A step now if the learner's time share allows it, else one when its rest ends. Meanwhile new events join the
     * waiting step's batch in place of replayed ones; beyond a whole batch the oldest go to the replay reservoir
     * without a step (and without a prequential score) of their own, so a learner that cannot keep up sheds work
     * instead of holding back the stream it reads from.
     */
    private void pacedStep() {
        // Also when the rest has just ended: an event can come before the timer that ends it.
        while (pending.size() > config.batching().batchSize()) {
            replay.add(pending.remove(0));
            pendingTimestamps.remove(0);
            replayedOnly.inc();
        }
        if (runner.busy()) {
            return;   // the running step looks again when it is done
        }
        var clock = getProcessingTimeService();
        if (pacer.mayStep(clock.getCurrentProcessingTime())) {
            startStep();
            return;
        }
        releaseWatermark();
        if (!pacedStepTimerSet) {
            pacedStepTimerSet = true;
            clock.registerTimer(pacer.restUntil(), time -> {
                pacedStepTimerSet = false;
                stepIfBatchWaiting();
            });
        }
    }

    @Override
    public void endInput() throws InterruptedException {
        runner.awaitIdle();
        announceRestored();
        runner.awaitIdle();
        if (!pending.isEmpty()) {
            startStep(true);
            runner.awaitIdle();
        }
        if (stepsSincePublish > 0) {
            publish();
            runner.awaitIdle();
        }
        releaseWatermark();
    }

    /**
     * Holds the watermark behind the oldest event still waiting for its step: that event's prequential score
     * is emitted with its own event time, and the metrics windows would drop it as late otherwise.
     */
    @Override
    public void processWatermark(Watermark mark) throws Exception {
        inputWatermark = Math.max(inputWatermark, mark.getTimestamp());
        releaseWatermark();
    }

    private void releaseWatermark() {
        java.util.stream.LongStream waiting = pendingTimestamps.stream().mapToLong(Long::longValue);
        if (inFlight != null) {
            waiting = java.util.stream.LongStream.concat(waiting, inFlight.timestamps().stream().mapToLong(Long::longValue));
        }
        java.util.OptionalLong oldest = waiting.min();
        long allowed = oldest.isEmpty() ? inputWatermark : Math.min(inputWatermark, oldest.getAsLong() - 1);
        if (allowed > emittedWatermark) {
            emittedWatermark = allowed;
            output.emitWatermark(new Watermark(allowed));
        }
        forwardWatermarkStatus();
    }

    /**
     * Idle only once nothing waits for a step. When every source goes idle, Flink raises each task's watermark to the
     * highest of its inputs, and downstream an idle input no longer counts: forwarded at once, the idleness would let
     * the metrics windows close over the other paths' watermark before the held events' scores arrive, late.
     */
    @Override
    public void processWatermarkStatus(WatermarkStatus status) throws Exception {
        inputIdle = status.isIdle();
        forwardWatermarkStatus();
    }

    private void forwardWatermarkStatus() {
        boolean idle = inputIdle && pendingTimestamps.isEmpty() && inFlight == null;
        if (idle != emittedIdle) {
            emittedIdle = idle;
            output.emitWatermarkStatus(idle ? WatermarkStatus.IDLE : WatermarkStatus.ACTIVE);
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        // A step can overflow the weights with a finite loss; the next publish would roll back, but a checkpoint taken
        // before it must not keep them, or a restore would roll back to them forever.
        // A step computing now has not touched the weights (they move when it is applied, on this thread): the
        // checkpoint holds them as they were before it, and its events as still waiting for it.
        boolean stepRunning = runner.busy();
        java.util.Optional<String> nonFinite = snapshotBytes == null ? model.parameters().firstNonFinite() : java.util.Optional.empty();
        if (nonFinite.isPresent() && !stepRunning) {
            rollBack(nonFinite.get());
        }
        if (nonFinite.isPresent() && stepRunning) {
            // The running step reads the model, so it cannot be replaced now: the checkpoint keeps the last good one.
            modelState.update(List.of(lastGood));
        } else {
            // Serialising a few MB of weights pauses this task; do it only when they changed.
            if (snapshotBytes == null) {
                snapshotBytes = ModelFile.toBytes(model, true, published, alignment());
            }
            if (snapshotWeights == null) {
                snapshotWeights = ModelFile.weightsChecksum(model);
            }
            CheckpointedModel held = new CheckpointedModel(context.getCheckpointId(), model.version(), snapshotWeights);
            uncompletedCheckpoints.put(context.getCheckpointId(), held);
            LOG.info(held.snapshotLine());
            modelState.update(List.of(snapshotBytes));
        }
        replayState.update(replay.contents());
        List<ImageEvent> waiting = new ArrayList<>();
        List<Long> waitingTimestamps = new ArrayList<>();
        List<ImageEvent> unlabelledWaiting = new ArrayList<>();
        if (inFlight != null) {
            waiting.addAll(inFlight.events());
            waitingTimestamps.addAll(inFlight.timestamps());
            unlabelledWaiting.addAll(inFlight.unlabelled());
        }
        waiting.addAll(pending);
        waitingTimestamps.addAll(pendingTimestamps);
        unlabelledWaiting.addAll(unlabelledPool.contents());
        pendingState.update(waiting);
        pendingTimestampsState.update(waitingTimestamps);
        seenState.update(List.of(replay.seen()));
        unlabelledState.update(unlabelledWaiting);
        holdoutState.update(holdout.events());
        holdoutCountState.update(List.of(holdout.labelled()));
        // The gate compares with the served model after a restore too; without a gate the checkpointed model does.
        servedState.update(gate != null ? List.of(lastGood) : List.of());
        unpublishedState.update(List.of(stepsSincePublish));
    }

    /** Logs what the completed checkpoint holds; the digest was taken at its snapshot, when the weights had changed. */
    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        CheckpointedModel held = uncompletedCheckpoints.get(checkpointId);
        if (held != null) {
            LOG.info(held.completedLine());
        }
        uncompletedCheckpoints.keySet().removeIf(id -> id <= checkpointId);
    }

    /** Starts a step on the events waiting; the rest happens in {@link #stepDone} once its passes are computed. */
    private void startStep() {
        startStep(false);
    }

    /** @param last the input has ended: the unlabelled events waiting join this step however few they are */
    private void startStep(boolean last) {
        List<ImageEvent> events = new ArrayList<>(pending);
        List<Long> timestamps = new ArrayList<>(pendingTimestamps);
        pending.clear();
        pendingTimestamps.clear();
        List<ImageEvent> batch = new ArrayList<>(events);
        batch.addAll(drift.replay(config.batching().batchSize() - events.size(), 0, replay::sample));
        drift.beforeStep(events, list -> EventTensors.pixels(list, router));
        // Unlabelled events come on top of the batch (label UNLABELLED): they do not displace replayed labelled ones.
        List<ImageEvent> unlabelledEvents = last ? unlabelledPool.drainAll() : unlabelledPool.drain();
        batch.addAll(unlabelledEvents);
        chainStartNanos = System.nanoTime();
        chainWorkNanos = 0;
        chainCpuNanos = 0;
        inFlight = new InFlight(events, timestamps, unlabelledEvents, model.version());
        compute(batch, this::stepDone);
    }

    /** Computes a step on {@code batch} with the current trainer, then {@code done} on this thread. */
    private void compute(List<ImageEvent> batch, java.util.function.Consumer<StepRunner.Outcome<Trainer.Computed>> done) {
        var pixels = EventTensors.pixels(batch, router);
        int[] labels = EventTensors.labels(batch);
        Trainer stepping = trainer;
        runner.start(() -> stepping.compute(pixels, labels, null), outcome -> {
            learnerTime.record(LearnerTime.Work.STEP, outcome);
            chainWorkNanos += outcome.nanos();
            chainCpuNanos = chainCpuNanos < 0 || outcome.cpuNanos() < 0 ? -1 : chainCpuNanos + outcome.cpuNanos();
            done.accept(outcome);
        });
    }

    private void stepDone(StepRunner.Outcome<Trainer.Computed> outcome) {
        InFlight step = inFlight;
        inFlight = null;
        if (outcome.failure() instanceof NonFiniteLossException e) {
            skip(step, e);
            chainDone(false);
            return;
        }
        StepResult result = apply(outcome.get());
        lastLoss = result.loss();
        stepsTaken.add(1L);
        boolean alarmed = false;
        for (int i = 0; i < step.events().size(); i++) {
            ImageEvent event = step.events().get(i);
            boolean[] right = new boolean[result.exitPredictions().length];
            for (int e = 0; e < right.length; e++) {
                int[] predicted = result.exitPredictions()[e];
                right[e] = predicted != null && predicted[i] == event.label();
            }
            countScore(right);
            long timestamp = step.timestamps().get(i);
            output.collect(SCORES, new StreamRecord<>(new ExitScore(event.id(), event.eventTimeMillis(), step.versionBefore(), right),
                    timestamp));
            alarmed |= drift.scored(event, right, step.versionBefore())
                    .map(alarm -> {
                        LOG.warn("drift alarm at labelled event {} ({}): error rose at exits {}; not trusted now: exits {}",
                                alarm.labelledEvents(), alarm.eventId(), java.util.Arrays.toString(alarm.exits()),
                                java.util.Arrays.toString(alarm.untrustedExits()));
                        output.collect(DRIFT_ALARMS, new StreamRecord<>(alarm, timestamp));
                        return true;
                    }).orElse(false);
        }
        drift.learned(step.events());
        step.events().forEach(replay::add);
        releaseWatermark();
        stepsSincePublish++;
        if (alarmed) {
            holdout.forget();
        }
        extraStep(0, drift.extraSteps(), alarmed);
    }

    /** While drift is active: more steps on replayed events, favouring those seen since the alarm, one after another. */
    private void extraStep(int index, int count, boolean alarmed) {
        if (index >= count || replay.size() == 0) {
            chainDone(alarmed);
            return;
        }
        long salt = 100 + index;   // each extra step its own sample
        List<ImageEvent> batch = drift.replay(config.batching().batchSize(), salt, k -> replay.sample(k, salt));
        inFlight = InFlight.extra(model.version());
        compute(batch, outcome -> {
            inFlight = null;
            if (outcome.failure() instanceof NonFiniteLossException) {
                skippedSteps.inc();
                model.parameters().firstNonFinite().ifPresent(this::rollBack);
                chainDone(alarmed);
                return;
            }
            apply(outcome.get());
            extraStep(index + 1, count, alarmed);
        });
    }

    /** Moves the weights by a computed step: the cached checkpoint bytes and digest are stale from now. */
    private StepResult apply(Trainer.Computed computed) {
        StepResult result = trainer.apply(computed);
        snapshotBytes = null;
        snapshotWeights = null;
        steps.inc();
        return result;
    }

    /** After a step and its extra steps: the pacer's rest, a publication when one is due, and the next step. */
    private void chainDone(boolean alarmed) {
        pacer.stepped(getProcessingTimeService().getCurrentProcessingTime(), System.nanoTime() - chainStartNanos,
                StepRunner.Outcome.contention(chainWorkNanos, chainCpuNanos));
        // An alarm changes which exits inference may trust: that goes out now, not at the next regular publication.
        boolean due = alarmed || stepsSincePublish >= config.publishing().everySteps()
                || (stepsSincePublish > 0 && (System.nanoTime() - lastPublishNanos) / 1e9 >= config.publishing().everySeconds());
        if (due) {
            publish();
        } else if (!publishTimerSet && stepsSincePublish > 0) {
            // Labels may stop arriving: the steps already taken still reach the inference instances in time.
            publishTimerSet = true;
            long at = getProcessingTimeService().getCurrentProcessingTime() + (long) (config.publishing().everySeconds() * 1000);
            getProcessingTimeService().registerTimer(at, time -> {
                publishTimerSet = false;
                // A step running now publishes when it is done, if it is due by then.
                if (stepsSincePublish > 0 && !runner.busy()) {
                    publish();
                }
            });
        }
        stepIfBatchWaiting();
    }

    /** A (paced) step when enough new labelled events wait for one. */
    private void stepIfBatchWaiting() {
        if (pending.size() >= config.batching().newPerStep()) {
            pacedStep();
        }
    }

    /** Drops the batch of a failed step: its new events become dead letters, the replay keeps only sane events. */
    private void skip(InFlight step, NonFiniteLossException e) {
        skippedSteps.inc();
        LOG.warn("skipped a fine-tuning step of model version {} ({}); its {} new events go to the dead-letter topic",
                model.version(), e.getMessage(), step.events().size());
        for (int i = 0; i < step.events().size(); i++) {
            DeadLetter dead = new DeadLetter(DeadLetter.FINE_TUNE, -1, -1, Reason.NON_FINITE_LOSS,
                    "fine-tuning step with this event had loss " + e.getMessage(), -1, eventCodec.encode(step.events().get(i)));
            output.collect(DEAD_LETTERS, new StreamRecord<>(dead, step.timestamps().get(i)));
        }
        releaseWatermark();
        model.parameters().firstNonFinite().ifPresent(this::rollBack);
    }

    /**
     * Replaces the model by the last good one; the optimizer's momentum starts again from zero.
     *
     * @param bad the first tensor found holding NaN or infinite values
     */
    private void rollBack(String bad) {
        MultiExitModel good;
        try {
            good = ModelFile.fromBytes(lastGood, requiredTensors);
        } catch (ModelFormatException e) {
            throw new IllegalStateException("the learner's own last model does not decode", e);
        }
        LOG.warn("weights are not finite (first: {}); going back to model version {}", bad, good.version());
        install(good);
        rollbacks.inc();
    }

    /** Replaces the model being trained by {@code good}; the optimizer starts afresh. */
    private void install(MultiExitModel good) {
        model.release();
        model = good;
        trainer = newTrainer();
        snapshotBytes = null;
        snapshotWeights = null;
        stepsSincePublish = 0;
    }

    private Trainer newTrainer() {
        return new Trainer(model, config.distillation(), new ContinualTerms(unlabelled().distillation(), logitAdjustment()),
                config.sgd());
    }

    /**
     * The configured unlabelled learning, or none where this task's training engine lacks the term (the graph engine,
     * which GPU task managers run): the learner then keeps learning from labels, says so once, and drops the sampled
     * unlabelled events, rather than failing a job whose defaults turn the term on.
     */
    private AdaptConfig.Unlabelled unlabelled() {
        resolveContinualTerms();
        return unlabelled;
    }

    /** The configured logit adjustment, or plain cross-entropy (said once) where this task's engine lacks it. */
    private LogitAdjustment logitAdjustment() {
        resolveContinualTerms();
        return logitAdjustment;
    }

    /** Keeps of the configured stream terms what this task's training engine has; says once what it drops. */
    private void resolveContinualTerms() {
        if (unlabelled != null) {
            return;
        }
        unlabelled = config.unlabelled();
        logitAdjustment = config.logitAdjustment();
        TrainingEngine engine = TrainingEngine.fromSystemProperty();
        if (engine.hasContinualTerms(model.spec())) {
            return;
        }
        String id = engine.resolve(model.spec()).id();
        if (unlabelled.enabled()) {
            LOG.warn("the {} training engine has no unlabelled self-distillation term: learning from labelled events only"
                    + " (--unlabelled-share {} ignored)", id, unlabelled.share());
            unlabelled = AdaptConfig.Unlabelled.OFF;
        }
        if (logitAdjustment.enabled()) {
            LOG.warn("the {} training engine has no logit-adjusted cross-entropy: training with plain cross-entropy"
                    + " (--logit-adjustment {} ignored)", id, logitAdjustment.tau());
            logitAdjustment = LogitAdjustment.OFF;
        }
    }

    /**
     * Applies the publish gate's verdict on the model as the next version: a refusal puts the served weights back, so
     * a burst of wrong labels costs at most one publication interval of training and is not built upon. True: publish.
     */
    private boolean accept(GateVerdict verdict) {
        // Not behind the watermark already let through (labels may have stopped while images went on): a verdict
        // stamped there would be late for its metrics window and its refusal never counted. After the input's end
        // (watermark MAX) every window has fired, and a window for MAX + 1 does not exist.
        long notLate = emittedWatermark == Long.MAX_VALUE ? lastTimestamp : Math.max(lastTimestamp, emittedWatermark + 1);
        output.collect(GATE, new StreamRecord<>(verdict, notLate));
        if (verdict.published()) {
            return true;
        }
        publishesRefused.inc();
        LOG.warn("publish gate: {}; training goes on from the served weights", verdict.describe());
        try {
            install(ModelFile.fromBytes(lastGood, requiredTensors));
        } catch (ModelFormatException e) {
            throw new IllegalStateException("the learner's own served model does not decode", e);
        }
        lastPublishNanos = System.nanoTime();
        return false;
    }

    private void countScore(boolean[] right) {
        recentAccuracy.record(right);
        for (int e = 0; e < scored.length; e++) {
            scored[e].inc();
            if (e < right.length && right[e]) {
                correct[e].inc();
            }
        }
    }

    /**
     * Publishes the model as the next version, after the publish gate (if on) has scored it on the holdout, off this
     * thread like a step. The next step waits for the verdict: it would move the weights being scored.
     */
    private void publish() {
        java.util.Optional<String> nonFinite = model.parameters().firstNonFinite();
        if (nonFinite.isPresent()) {
            rollBack(nonFinite.get());
            return;
        }
        if (gate == null) {
            emitPublication();
            return;
        }
        MultiExitModel candidate = model;
        long version = model.version() + 1;
        byte[] served = lastGood;
        List<ImageEvent> heldOut = List.copyOf(holdout.events());
        InputAlignment alignment = alignment();
        runner.start(() -> {
            try {
                return gate.judge(candidate, alignment, version, served, heldOut);
            } catch (ModelFormatException e) {
                throw new IllegalStateException("the learner's own served model does not decode", e);
            }
        }, outcome -> {
            if (outcome.failure() != null || outcome.value().judged()) {   // a holdout too small to judge on costs nothing
                learnerTime.record(LearnerTime.Work.GATE, outcome);
            }
            if (accept(outcome.get())) {
                emitPublication();
            }
            stepIfBatchWaiting();
        });
    }

    /** The input alignment published with the next version, or {@code null}: none. */
    private InputAlignment alignment() {
        return aligner != null ? aligner.current() : startAlignment;
    }

    /**
     * Every event the learner sees, in stream order, goes past the input aligner; when the images have moved to another
     * intensity domain it is a drift alarm, and a map back, when one is adopted, goes out at once with the weights
     * inference already serves ({@link #republishWithAlignment}), so inference maps new events from then on.
     */
    private void observeInput(StreamRecord<ImageEvent> element, boolean scorable) {
        if (aligner == null) {
            return;
        }
        ImageEvent event = element.getValue();
        aligner.observe(event, scorable);
        if (!aligner.ready()) {
            return;
        }
        // Scored with the version inference serves: the map must work for the answers given now.
        java.util.Optional<InputAlignment> adopted = drift.served()
                .map(served -> aligner.fit((events, candidate) -> PublishGate.correctExits(served, events, candidate)))
                .orElseGet(() -> {
                    try (EarlyExitClassifier scoring = model.snapshot()) {
                        return aligner.fit((events, candidate) -> PublishGate.correctExits(scoring, events, candidate));
                    }
                });
        InputAlignment now = aligner.current();
        router = new DomainRouter(now);
        DriftAlarm alarm = drift.inputShifted(event, model.version(), model.spec().sections());
        output.collect(DRIFT_ALARMS, new StreamRecord<>(alarm, element.hasTimestamp() ? element.getTimestamp() : event.eventTimeMillis()));
        if (adopted.isEmpty()) {
            LOG.info("input domain {} kept as it comes: no map of its intensities beat the images as they came",
                    now.domains().get(now.domains().size() - 1));
            return;
        }
        LOG.warn("input alignment: images moved to another intensity domain; mapping them by {}",
                now.domains().get(now.domains().size() - 1));
        alignmentsAdopted.inc();
        republishWithAlignment(element);
    }

    /**
     * Publishes the served weights again, as the next version, with the alignment just adopted: inference maps events
     * from the next model swap on instead of after the running step, the publish gate and a serialisation of the
     * weights in training (a second or more, a few hundred events at the demo's rate). The weights were judged when
     * they were first published, and the alignment was chosen on labelled events; the weights in training keep their
     * unpublished steps and come out as the version after this one.
     */
    private void republishWithAlignment(StreamRecord<ImageEvent> element) {
        long version = model.version() + 1;
        byte[] payload;
        try {
            CalibratedExits calibration = drift.calibration();
            payload = ModelFile.republished(lastGood, version, calibration, alignment());
            published = calibration;
        } catch (ModelFormatException e) {
            throw new IllegalStateException("the learner's own served model does not decode", e);
        }
        model.setVersion(version);
        snapshotBytes = null;   // the checkpoint carries the alignment too
        lastGood = payload;
        long timestamp = element.hasTimestamp() ? element.getTimestamp() : element.getValue().eventTimeMillis();
        output.collect(new StreamRecord<>(new ModelUpdate(version, System.currentTimeMillis(), model.spec().summary(), payload),
                Math.max(timestamp, lastTimestamp)));
    }

    private void emitPublication() {
        model.setVersion(model.version() + 1);
        snapshotBytes = null;
        InputAlignment alignment = alignment();
        // A version the gate judged has its thresholds checked on its own held-out outputs as well.
        Optional<ExitScores> heldOut = gate == null ? Optional.empty() : gate.passedScores(model.version(), alignment);
        CalibratedExits calibration = heldOut.isPresent()
                ? drift.calibration(heldOut.get()) : drift.calibration();
        byte[] payload = ModelFile.toBytes(model, false, calibration, alignment);
        published = calibration;
        drift.published(model);
        if (gate != null) {
            gate.published(model.version(), payload, alignment);
        }
        ModelUpdate update = new ModelUpdate(model.version(), System.currentTimeMillis(), model.spec().summary(), payload);
        output.collect(new StreamRecord<>(update, lastTimestamp));
        lastGood = payload;
        stepsSincePublish = 0;
        lastPublishNanos = System.nanoTime();
    }

    @Override
    public void close() throws Exception {
        if (runner != null) {
            runner.close();
        }
        if (gate != null) {
            gate.close();
        }
        if (drift != null) {
            drift.close();
        }
        if (model != null) {   // after the runner, whose running step reads it; see ModelSlot.close for why
            model.release();
            model = null;
        }
        super.close();
    }

    private static <T> List<T> toList(Iterable<T> items) {
        List<T> out = new ArrayList<>();
        items.forEach(out::add);
        return out;
    }
}
