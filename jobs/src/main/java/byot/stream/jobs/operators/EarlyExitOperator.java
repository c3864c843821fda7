package byot.stream.jobs.operators;

import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.MalformedRecordException.Reason;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import byot.stream.connectors.format.Prediction;
import byot.stream.jobs.operators.drift.ServedExitPolicy;
import byot.stream.model.input.DomainRouter;
import byot.stream.model.input.InputAlignment;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.ExitDecision;
import byot.stream.model.exit.ExitPolicy;
import byot.stream.model.io.ModelFile;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Early-exit inference over micro-batches. Input 1 is image events; input 2 is model updates, broadcast to
 * every instance. Events are buffered until {@code maxBatch} arrive or the oldest has waited
 * {@code maxWaitMillis}; the batch then runs section by section and each event leaves at its first confident
 * exit. A model update is decoded and checked by a {@link ModelPreparer}, by default on a thread of its own
 * while events keep flowing; once it is ready the buffer is flushed with the old model and the new one swapped in,
 * so no event is dropped and each prediction names the version that made it.
 *
 * <p>The buffer is flushed before every checkpoint barrier and watermark, so it is never part of a snapshot
 * and never holds events behind a watermark. The served model, and the updates still being prepared at a barrier,
 * are union operator state written by the first instance only: after a restore or a rescale every instance resumes
 * with that model and prepares those updates again (on the task thread, before the first event).
 *
 * <p>An event whose confidence comes out NaN or infinite gets no prediction (a prediction must carry a confidence
 * in [0, 1]); it leaves on {@link #DEAD_LETTERS} with reason {@code NON_FINITE_OUTPUT} instead of failing the job.
 */
public final class EarlyExitOperator extends AbstractStreamOperator<Prediction>
        implements TwoInputStreamOperator<ImageEvent, ModelUpdate, Prediction>, BoundedMultiInput {

    /** State name; part of the savepoint format. */
    static final String SERVED_MODEL = "served-model";
    /** State name; part of the savepoint format. Updates received and not yet swapped in at a checkpoint. */
    static final String PENDING_MODELS = "pending-model-updates";
    /** Events the served model could not answer. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("early-exit-dead-letters") {};

    private final InferenceConfig config;
    private final byte[] initialModel;

    private transient ModelSlot slot;
    private transient ExitPolicy policy;
    /** Routes events through the served version's input alignment; {@code null} when it has none. */
    private transient DomainRouter router;
    private transient ListState<byte[]> servedModel;
    private transient ListState<byte[]> pendingModels;
    private transient ModelPreparer preparer;
    private transient ModelUpdateCodec pendingCodec;
    private transient List<StreamRecord<ImageEvent>> buffer;
    /** When the waiting batch's timer fires; -1: none set. Set in open(): see there. */
    private transient long flushDue;
    private transient Counter predictions;
    private transient Counter[] exitCounters;
    private transient Counter rejectedUpdates;
    private transient Counter nonFiniteOutputs;
    private transient ImageEventCodec eventCodec;
    private transient Histogram latency;

    public EarlyExitOperator(InferenceConfig config, byte[] initialModel) {
        this.config = config;
        this.initialModel = initialModel;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        servedModel = context.getOperatorStateStore().getUnionListState(new ListStateDescriptor<>(SERVED_MODEL, byte[].class));
        byte[] newest = null;
        MultiExitModel newestModel = null;
        for (byte[] payload : servedModel.get()) {
            MultiExitModel candidate = ModelFile.fromBytes(payload);
            if (newestModel == null || candidate.version() > newestModel.version()) {
                if (newestModel != null) {
                    newestModel.release();
                }
                newest = payload;
                newestModel = candidate;
            } else {
                candidate.release();
            }
        }
        slot = newest != null ? new ModelSlot(newestModel, newest, config.maxModelBytes())
                : new ModelSlot(ModelFile.fromBytes(initialModel), initialModel, config.maxModelBytes());
        pendingModels = context.getOperatorStateStore().getUnionListState(new ListStateDescriptor<>(PENDING_MODELS, byte[].class));
        pendingCodec = new ModelUpdateCodec(Math.max(config.maxModelBytes(), ModelUpdateCodec.DEFAULT_MAX_PAYLOAD_BYTES));
        for (byte[] encoded : pendingModels.get()) {
            ModelUpdate update = pendingCodec.decode(encoded);
            slot.offer(update).ifPresent(reason -> LOG.warn("model update {} from the checkpoint refused, still serving version {}: {}",
                    update.modelVersion(), slot.version(), reason));
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        // Not in the field's declaration: Flink ships the operator serialized, and deserialising runs no field
        // initialiser, so a transient field starts at 0 there, "a timer is set", and the first batch waited past
        // --max-wait-ms for a watermark, a barrier or a full batch.
        flushDue = -1;
        policy = ServedExitPolicy.of(config.policy(), slot.payload());
        router = routerFor(slot.alignment(), null);
        preparer = new ModelPreparer(slot, config.ownSwapThread()
                ? ModelPreparer.ownThread("byot-model-swap-" + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask()) : null,
                config.maxBatch());
        buffer = new ArrayList<>(config.maxBatch());
        var metrics = getMetricGroup();
        predictions = metrics.counter(PipelineMetrics.PREDICTIONS);
        rejectedUpdates = metrics.counter(PipelineMetrics.MODEL_UPDATES_REJECTED);
        nonFiniteOutputs = metrics.counter(PipelineMetrics.NON_FINITE_OUTPUTS);
        // Events reach this operator decoded under the source's limits (--max-pixel-bytes may raise them above the
        // defaults): the dead letter's copy must not refuse what the source accepted, or the event fails the task.
        eventCodec = new ImageEventCodec(ImageLimits.WIRE_FORMAT);
        exitCounters = new Counter[slot.classifier().exits()];
        for (int e = 0; e < exitCounters.length; e++) {
            exitCounters[e] = metrics.addGroup(PipelineMetrics.EXIT_GROUP, String.valueOf(e + 1)).counter(PipelineMetrics.PREDICTIONS);
        }
        metrics.gauge(PipelineMetrics.MODEL_VERSION, () -> slot.version());
        latency = metrics.histogram(PipelineMetrics.LATENCY_MS, new DescriptiveStatisticsHistogram(10_000));
    }

    @Override
    public void processElement1(StreamRecord<ImageEvent> element) throws Exception {
        installPrepared();
        buffer.add(element);
        if (buffer.size() >= config.maxBatch()) {
            flush();
        } else if (flushDue < 0) {
            long due = getProcessingTimeService().getCurrentProcessingTime() + config.maxWaitMillis();
            flushDue = due;
            // A timer of an earlier buffer that was flushed for another reason must not cut this one short.
            getProcessingTimeService().registerTimer(due, time -> {
                if (flushDue == due) {
                    flush();
                }
            });
        }
    }

    @Override
    public void processElement2(StreamRecord<ModelUpdate> element) throws Exception {
        preparer.submit(element.getValue());
        installPrepared();
    }

    /** Swaps in what the preparer has ready, after answering the buffered events with the model they came to. */
    private void installPrepared() {
        install(preparer.completed());
    }

    private void install(List<ModelSlot.Prepared> done) {
        if (done.stream().anyMatch(ModelSlot.Ready.class::isInstance)) {
            flush();
        }
        for (ModelSlot.Prepared prepared : done) {
            if (prepared instanceof ModelSlot.Ready ready) {
                slot.install(ready);
                policy = ServedExitPolicy.of(config.policy(), slot.payload());
                router = routerFor(slot.alignment(), router);
            } else if (prepared instanceof ModelSlot.Refused refused) {
                rejectedUpdates.inc();
                LOG.warn("model update {} refused, still serving version {}: {}", refused.version(), slot.version(), refused.reason());
            }
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        flush();
        super.processWatermark(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        installPrepared();
        flush();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        // Union state hands every entry to every instance on restore: N copies would cost N x N model reads.
        // One suffices, because aligned barriers reach every instance after the same broadcast updates.
        if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
            servedModel.update(List.of(slot.payload()));
            pendingModels.update(preparer.inFlight().stream().map(pendingCodec::encode).toList());
        } else {
            servedModel.clear();
            pendingModels.clear();
        }
    }

    @Override
    public void endInput(int inputId) throws Exception {
        if (inputId == 1) {
            flush();
        }
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        if (preparer != null) {
            preparer.close();   // first: it may still be preparing from the served model's bytes
        }
        if (slot != null) {
            slot.close();
        }
        super.close();
    }

    /** The same router while the alignment stays (most versions), so the stream's domain shares carry over. */
    private static DomainRouter routerFor(InputAlignment alignment, DomainRouter current) {
        if (alignment == null) {
            return null;
        }
        return current != null && current.alignment().equals(alignment) ? current : new DomainRouter(alignment);
    }

    private void flush() {
        flushDue = -1;
        if (buffer.isEmpty()) {
            return;
        }
        List<ImageEvent> events = new ArrayList<>(buffer.size());
        for (StreamRecord<ImageEvent> r : buffer) {
            events.add(r.getValue());
        }
        List<ExitDecision> decisions = slot.classifier().classify(EventTensors.pixels(events, router), policy);
        long now = System.currentTimeMillis();
        long version = slot.version();
        for (int i = 0; i < events.size(); i++) {
            ImageEvent event = events.get(i);
            ExitDecision d = decisions.get(i);
            double[] confidences = new double[d.exitConfidences().length];
            boolean finite = true;
            for (int e = 0; e < confidences.length; e++) {
                confidences[e] = d.exitConfidences()[e];
                finite &= Double.isFinite(confidences[e]);
            }
            if (!finite || !Double.isFinite(d.confidence())) {
                nonFiniteOutputs.inc();
                output.collect(DEAD_LETTERS, buffer.get(i).replace(new DeadLetter(DeadLetter.EARLY_EXIT, -1, -1,
                        Reason.NON_FINITE_OUTPUT, "model version " + version + " gave confidences " + java.util.Arrays.toString(confidences),
                        -1, eventCodec.encode(event))));
                continue;
            }
            long sinceEvent = now - event.eventTimeMillis();
            // An event time in the future is clock skew, not negative latency; one far in the past overflows the
            // difference, which must read as the longest latency, not as none.
            long latencyMs = event.eventTimeMillis() > now ? 0 : sinceEvent < 0 ? Long.MAX_VALUE : sinceEvent;
            Prediction p = new Prediction(event.id(), event.sourceId(), d.predictedClass(), d.confidence(), d.exitDepth(),
                    confidences, version, event.eventTimeMillis(), latencyMs, event.labeled() ? event.label() : null);
            predictions.inc();
            exitCounters[d.exitDepth() - 1].inc();
            latency.update(latencyMs);
            output.collect(buffer.get(i).replace(p));
        }
        buffer.clear();
    }

    /** For tests: the early-exit policy this instance applies. */
    ExitPolicy servedPolicy() {
        return policy;
    }

    /** For tests: waits for the updates being prepared and swaps them in. */
    void awaitPreparedUpdates() {
        install(preparer.awaitAll());
    }

    /** For tests: the version this instance serves. */
    long servedVersion() {
        return slot.version();
    }

    /** For tests: updates refused so far (the {@code modelUpdatesRejected} metric). */
    long refusedUpdates() {
        return rejectedUpdates.getCount();
    }
}
