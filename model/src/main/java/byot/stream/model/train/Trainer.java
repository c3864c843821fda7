package byot.stream.model.train;

import byot.stream.model.MultiExitModel;
import byot.stream.model.graph.LayerBuilder;
import byot.stream.model.graph.LayerWeights;
import byot.stream.model.graph.Parameters;
import byot.stream.model.graph.ForwardBackward;
import byot.stream.model.loss.ContinualTerms;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.loss.UnlabelledDistillation;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trains a {@link MultiExitModel} one mini-batch at a time: forward and backward through the training
 * graph, momentum SGD on the weights, and the batch-norm running statistics folded forward.
 * Used both by the offline trainer and by the streaming fine-tuner.
 */
public final class Trainer {

    /** Weight of the newest batch in the batch-norm running statistics (PyTorch's default momentum). */
    private static final double BN_MOMENTUM = 0.1;

    /** The label of a sample without one: it teaches only through {@link UnlabelledDistillation}. */
    public static final int UNLABELLED = -1;

    private final MultiExitModel model;
    private final DistillationConfig distillation;
    private final ContinualTerms terms;
    private final SgdConfig sgd;
    private final ForwardBackward graph;
    private final MomentumSgd optimizer;
    private final TrainingEngine engine;
    private final HostUpdates host = HostUpdates.forBackend();

    /** A trainer on the engine the {@value TrainingEngine#PROPERTY} system property names (default: auto). */
    public Trainer(MultiExitModel model, DistillationConfig distillation, SgdConfig sgd) {
        this(model, distillation, sgd, TrainingEngine.fromSystemProperty());
    }

    public Trainer(MultiExitModel model, DistillationConfig distillation, SgdConfig sgd, TrainingEngine engine) {
        this(model, distillation, UnlabelledDistillation.OFF, sgd, engine);
    }

    /** With the term on samples labelled {@link #UNLABELLED}, on the engine the system property names. */
    public Trainer(MultiExitModel model, DistillationConfig distillation, UnlabelledDistillation unlabelled, SgdConfig sgd) {
        this(model, distillation, unlabelled, sgd, TrainingEngine.fromSystemProperty());
    }

    /** @throws IllegalArgumentException when the unlabelled term is on and the engine is the graph, which lacks it */
    public Trainer(MultiExitModel model, DistillationConfig distillation, UnlabelledDistillation unlabelled, SgdConfig sgd,
                   TrainingEngine engine) {
        this(model, distillation, ContinualTerms.of(unlabelled), sgd, engine);
    }

    /** With a stream learner's terms, on the engine the system property names. */
    public Trainer(MultiExitModel model, DistillationConfig distillation, ContinualTerms terms, SgdConfig sgd) {
        this(model, distillation, terms, sgd, TrainingEngine.fromSystemProperty());
    }

    /** @throws IllegalArgumentException when a term is on that the engine lacks (the graph has neither) */
    public Trainer(MultiExitModel model, DistillationConfig distillation, ContinualTerms terms, SgdConfig sgd,
                   TrainingEngine engine) {
        this.model = model;
        this.distillation = distillation;
        this.terms = terms;
        this.sgd = sgd;
        this.engine = engine.resolve(model.spec());
        this.graph = this.engine.create(model.spec(), model.parameters(), distillation, terms);
        this.optimizer = new MomentumSgd(sgd, model.parameters(), host);
    }

    /** The engine this trainer runs on ({@link TrainingEngine#GRAPH} or {@link TrainingEngine#EAGER}). */
    public TrainingEngine engine() {
        return engine;
    }

    public DistillationConfig distillation() {
        return distillation;
    }

    /**
     * One step on raw pixels [N, C, H, W] in [0, 255] with integer labels; {@link #UNLABELLED} marks a sample
     * without one (allowed only with the unlabelled term on).
     */
    public StepResult step(INDArray pixels, int[] labels) {
        if (distillation.mode() == TrainingMode.KD) {
            throw new IllegalStateException("kd mode needs teacher logits: call step(pixels, labels, teacherLogits)");
        }
        return step(pixels, labels, null);
    }

    public StepResult step(INDArray pixels, int[] labels, INDArray teacherLogits) {
        return apply(compute(pixels, labels, teacherLogits));
    }

    /**
     * A step's gradients, computed and not yet applied: what {@link #compute} leaves for {@link #apply}. It holds
     * arrays the engine reuses in its next pass, so it must be applied (or dropped) before the next compute.
     */
    public static final class Computed {
        private final long step;
        private final double learningRate;
        private final ForwardBackward.Pass pass;
        private final double loss;

        private Computed(long step, double learningRate, ForwardBackward.Pass pass, double loss) {
            this.step = step;
            this.learningRate = learningRate;
            this.pass = pass;
            this.loss = loss;
        }
    }

    /**
     * The forward and backward passes of a step, without touching the weights, the running statistics or the step
     * count: they only read the model. A streaming learner runs this off its task thread and {@link #apply}s the
     * result on it, so a checkpoint taken meanwhile sees the weights from before the step, whole.
     *
     * @throws NonFiniteLossException when the loss is not finite; nothing has changed then
     */
    public Computed compute(INDArray pixels, int[] labels, INDArray teacherLogits) {
        if (teacherLogits == null && distillation.mode() == TrainingMode.KD) {
            throw new IllegalStateException("kd mode needs teacher logits: call step(pixels, labels, teacherLogits)");
        }
        checkBatch(pixels, labels);
        long stepIndex = model.step();
        double ramp = distillation.ramp(stepIndex);
        double lr = sgd.rateAt(stepIndex);
        ForwardBackward.Pass pass = graph.forwardBackward(pixels, oneHot(labels, model.spec().numClasses()),
                distillation.alpha() * ramp, distillation.hintWeight() * ramp, teacherLogits);
        double loss = pass.outputs().get(graph.lossParts().get(0)).getDouble(0);
        if (!Double.isFinite(loss)) {
            throw new NonFiniteLossException("loss is " + loss + " at step " + stepIndex
                    + "; lower the learning rate (" + lr + ")");
        }
        return new Computed(stepIndex, lr, pass, loss);
    }

    /**
     * Moves the weights by {@code computed}'s gradients, folds its batch statistics into the running ones and
     * advances the step.
     *
     * @throws IllegalStateException when the model has taken another step since {@code computed} was computed
     */
    public StepResult apply(Computed computed) {
        if (computed.step != model.step()) {
            throw new IllegalStateException("gradients of step " + computed.step + " cannot be applied at step " + model.step());
        }
        ForwardBackward.Pass pass = computed.pass;
        for (String name : graph.trainableWeights()) {
            optimizer.apply(name, graph.weight(name), pass.gradients().get(name), computed.learningRate);
        }
        updateRunningStats(pass.outputs());
        model.advanceStep();

        Map<String, Double> parts = new LinkedHashMap<>();
        for (String part : graph.lossParts()) {
            parts.put(part, pass.outputs().get(part).getDouble(0));
        }
        return new StepResult(computed.step, computed.loss, parts, computed.learningRate, graph.exitPredictions(pass));
    }

    private void updateRunningStats(Map<String, INDArray> outputs) {
        Map<String, INDArray> stats = model.parameters().view(Parameters.Kind.RUNNING_STAT);
        for (LayerBuilder.BatchNormTap tap : graph.batchNormTaps()) {
            INDArray batchMean = outputs.get(tap.batchMean());
            if (batchMean == null) {
                continue; // a head outside this mode's loss: its layers never ran
            }
            fold(stats.get(tap.layer() + "/bn/mean"), batchMean);
            fold(stats.get(tap.layer() + LayerWeights.RUNNING_VARIANCE), outputs.get(tap.batchVariance()));
        }
    }

    private void fold(INDArray running, INDArray batch) {
        if (!host.blend(running, batch, (float) BN_MOMENTUM)) {
            running.muli(1 - BN_MOMENTUM).addi(batch.reshape(-1).mul(BN_MOMENTUM));
        }
    }

    private void checkBatch(INDArray pixels, int[] labels) {
        long[] expected = {labels.length, model.spec().input().channels(), model.spec().input().height(),
                model.spec().input().width()};
        if (!java.util.Arrays.equals(pixels.shape(), expected)) {
            throw new IllegalArgumentException("batch shape " + java.util.Arrays.toString(pixels.shape())
                    + " does not match " + java.util.Arrays.toString(expected));
        }
        for (int label : labels) {
            if (label == UNLABELLED && terms.unlabelled().enabled()) {
                continue;
            }
            if (label < 0 || label >= model.spec().numClasses()) {
                throw new IllegalArgumentException("label " + label + " outside [0, " + model.spec().numClasses() + ")");
            }
        }
    }

    static INDArray oneHot(int[] labels, int classes) {
        INDArray out = Nd4j.zeros(DataType.FLOAT, labels.length, classes);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] == UNLABELLED) {
                continue;   // an all-zero row: no label
            }
            out.putScalar(i, labels[i], 1f);
        }
        return out;
    }
}
