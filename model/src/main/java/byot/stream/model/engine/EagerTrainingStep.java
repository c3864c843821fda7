package byot.stream.model.engine;

import byot.stream.model.backbone.Backbone;
import byot.stream.model.graph.FeatureMap;
import byot.stream.model.graph.ForwardBackward;
import byot.stream.model.graph.LayerBuilder;
import byot.stream.model.graph.Names;
import byot.stream.model.graph.Parameters;
import byot.stream.model.head.ExitHead;
import byot.stream.model.loss.ContinualTerms;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.loss.UnlabelledDistillation;
import byot.stream.model.onednn.OneDnn;
import byot.stream.model.spec.InputShape;
import byot.stream.model.spec.ModelSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training step's forward and backward passes, op by op, on the CPU: the same network, loss and batch
 * statistics as {@link byot.stream.model.train.TrainingGraph}, without SameDiff's per-call planning and
 * allocation. Each batch size gets a {@link Workspace} once; the arrays of a {@link Pass} are reused by
 * the next call.
 *
 * <p>Not thread-safe: one trainer owns it.
 */
public final class EagerTrainingStep implements ForwardBackward {

    /**
     * Workspaces kept at once, the most recently used: the fine-tuner's two batch sizes (with and without its share of
     * unlabelled events) and one more (an epoch's last, smaller batch; a replay still filling), without thrashing.
     */
    private static final int KEPT_WORKSPACES = 3;

    private final int exits;
    private final int classes;
    private final List<TensorSpec> tensors;
    private final List<EagerOp> ops;
    private final NormalizeOp input;
    private final int[] logits;
    private final int[] features;
    private final Map<String, INDArray> weights;
    private final Map<String, INDArray> weightGrads = new LinkedHashMap<>();
    private final List<String> trainable;
    private final List<LayerBuilder.BatchNormTap> taps = new ArrayList<>();
    private final Map<String, Integer> batchNormOp = new HashMap<>();
    private final DistillationLossKernel loss;
    private final Map<Integer, Workspace> workspaces = new LinkedHashMap<>(4, 0.75f, true);
    private final OpProfile profile;
    private final Kernels convolutions;
    private final Kernels batchNorm;

    public EagerTrainingStep(ModelSpec spec, Parameters params, DistillationConfig cfg) {
        this(spec, params, cfg, ContinualTerms.NONE, null, Kernels.fromSystemProperty(Kernels.CONVOLUTIONS),
                Kernels.fromSystemProperty(Kernels.BATCH_NORM));
    }

    /** With the kernels named, whatever the system properties say. */
    EagerTrainingStep(ModelSpec spec, Parameters params, DistillationConfig cfg, Kernels convolutions, Kernels batchNorm) {
        this(spec, params, cfg, ContinualTerms.NONE, null, convolutions, batchNorm);
    }

    /** @param unlabelled the term on samples without a label (an all-zero one-hot row) */
    public EagerTrainingStep(ModelSpec spec, Parameters params, DistillationConfig cfg, UnlabelledDistillation unlabelled) {
        this(spec, params, cfg, ContinualTerms.of(unlabelled));
    }

    /** @param terms the stream learner's terms: on samples without a label, and the logit adjustment */
    public EagerTrainingStep(ModelSpec spec, Parameters params, DistillationConfig cfg, ContinualTerms terms) {
        this(spec, params, cfg, terms, null, Kernels.fromSystemProperty(Kernels.CONVOLUTIONS),
                Kernels.fromSystemProperty(Kernels.BATCH_NORM));
    }

    /** @param profile where to add each op's time, or {@code null} for no timing */
    public EagerTrainingStep(ModelSpec spec, Parameters params, DistillationConfig cfg, OpProfile profile) {
        this(spec, params, cfg, ContinualTerms.NONE, profile, Kernels.fromSystemProperty(Kernels.CONVOLUTIONS),
                Kernels.fromSystemProperty(Kernels.BATCH_NORM));
    }

    private EagerTrainingStep(ModelSpec spec, Parameters params, DistillationConfig cfg, ContinualTerms terms,
                              OpProfile profile, Kernels convolutions, Kernels batchNorm) {
        this.profile = profile;
        OneDnn convOnDnnl = convolutions.open("convolutions");
        OneDnn batchNormOnDnnl = batchNorm == Kernels.DNNL && convOnDnnl != null ? convOnDnnl : batchNorm.open("batch norm");
        this.convolutions = convOnDnnl == null ? Kernels.ND4J : Kernels.DNNL;
        this.batchNorm = batchNormOnDnnl == null ? Kernels.ND4J : Kernels.DNNL;
        Backbone backbone = Backbone.of(spec);
        this.exits = backbone.sections();
        this.classes = spec.numClasses();
        this.loss = new DistillationLossKernel(cfg, terms.unlabelled(), terms.logitAdjustment(), exits, classes);
        EagerLayers layers = new EagerLayers(params, convOnDnnl, batchNormOnDnnl);
        InputShape in = spec.input();
        EagerLayers.Input inputMap = layers.input(in.channels(), in.height(), in.width(),
                1.0 / (255.0 * spec.pixelStd()), spec.pixelMean() / spec.pixelStd());
        this.input = inputMap.op();
        List<FeatureMap> outputs = new ArrayList<>();
        FeatureMap x = inputMap.map();
        for (int s = 0; s < exits; s++) {
            x = backbone.section(layers, s, x);
            outputs.add(x);
        }
        this.logits = new int[exits];
        this.features = new int[exits];
        Arrays.fill(logits, -1);
        Arrays.fill(features, -1);
        // A baseline's loss leaves the shallow heads out: they have no gradient, and running them is waste.
        for (int e = 0; e < exits; e++) {
            if (!loss.trained(e)) {
                continue;
            }
            FeatureMap f = ExitHead.bottleneck(layers, spec.heads(), e, outputs);
            features[e] = layers.tensorOf(f);
            logits[e] = layers.poolDense("exit" + (e + 1) + "/fc", f, classes);
        }
        this.tensors = List.copyOf(layers.tensors());
        this.ops = List.copyOf(layers.ops());
        this.weights = layers.weights();
        this.trainable = List.copyOf(weights.keySet());
        weights.forEach((name, w) -> weightGrads.put(name, Nd4j.zeros(DataType.FLOAT, w.shape())));
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i) instanceof BatchNormOp bn) {
                String layer = bn.layer();
                taps.add(new LayerBuilder.BatchNormTap(layer, layer + "/bn/batch_mean", layer + "/bn/batch_var"));
                batchNormOp.put(layer, i);
            }
        }
    }

    @Override
    public List<String> lossParts() {
        return loss.parts();
    }

    @Override
    public List<String> trainableWeights() {
        return trainable;
    }

    @Override
    public INDArray weight(String name) {
        return weights.get(name);
    }

    @Override
    public List<LayerBuilder.BatchNormTap> batchNormTaps() {
        return List.copyOf(taps);
    }

    @Override
    public Pass forwardBackward(INDArray pixels, INDArray oneHotLabels, double alpha, double hintWeight,
                                INDArray teacherLogits) {
        int batch = Math.toIntExact(pixels.size(0));
        Workspace ws = workspace(batch);
        input.feed(pixels);
        for (int i = 0; i < ops.size(); i++) {
            long start = System.nanoTime();
            ops.get(i).forward(ws, ws.opState[i]);
            time(i, true, start);
        }
        ws.clearGrads();
        long start = System.nanoTime();
        float[] oneHot = dense(oneHotLabels, batch);
        float[] teacher = teacherLogits == null ? null : dense(teacherLogits, batch);
        double[] parts = loss.evaluate(ws, logits, features, oneHot, teacher, alpha, hintWeight);
        if (profile != null) {
            profile.add("loss", System.nanoTime() - start);
        }
        for (int i = ops.size() - 1; i >= 0; i--) {
            EagerOp op = ops.get(i);
            if (ws.hasGrad(op.output())) {
                start = System.nanoTime();
                op.backward(ws, ws.opState[i]);
                time(i, false, start);
            }
        }
        Map<String, INDArray> outputs = new HashMap<>();
        for (int p = 0; p < parts.length; p++) {
            outputs.put(loss.parts().get(p), Nd4j.scalar(DataType.FLOAT, parts[p]));
        }
        for (int e = 0; e < exits; e++) {
            if (logits[e] >= 0) {
                outputs.put(Names.logits(e), ws.value(logits[e]));
            }
        }
        for (LayerBuilder.BatchNormTap tap : taps) {
            int i = batchNormOp.get(tap.layer());
            BatchNormOp bn = (BatchNormOp) ops.get(i);
            outputs.put(tap.batchMean(), bn.batchMean(ws.opState[i]));
            outputs.put(tap.batchVariance(), bn.batchVariance(ws.opState[i]));
        }
        return new Pass(outputs, weightGrads);
    }

    @Override
    public int[][] exitPredictions(Pass pass) {
        int[][] predictions = new int[exits][];
        for (int e = 0; e < exits; e++) {
            INDArray z = pass.outputs().get(Names.logits(e));
            predictions[e] = z == null ? null : z.argMax(1).toIntVector();
        }
        return predictions;
    }

    /** The kernels this step's ungrouped convolutions run on (ND4J's where oneDNN was asked for but does not load). */
    Kernels convolutions() {
        return convolutions;
    }

    /** The kernels this step's batch norms run on (ND4J's where oneDNN was asked for but does not load). */
    Kernels batchNorm() {
        return batchNorm;
    }

    /** Frees the workspaces' arrays now; the next pass allocates afresh. */
    public void release() {
        workspaces.values().forEach(Workspace::release);
        workspaces.clear();
    }

    private Workspace workspace(int batch) {
        Workspace ws = workspaces.get(batch);
        if (ws == null) {
            if (workspaces.size() >= KEPT_WORKSPACES) {
                Integer eldest = workspaces.keySet().iterator().next();
                workspaces.remove(eldest).release();
            }
            ws = new Workspace(batch, tensors, ops, weightGrads);
            workspaces.put(batch, ws);
        }
        return ws;
    }

    private void time(int op, boolean forward, long start) {
        if (profile != null) {
            profile.add(ops.get(op).kind() + (forward ? " fwd" : " bwd"), System.nanoTime() - start);
        }
    }

    private float[] dense(INDArray a, int batch) {
        if (a.rank() != 2 || a.size(0) != batch || a.size(1) != classes) {
            throw new IllegalArgumentException("expected [" + batch + ", " + classes + "], got " + Arrays.toString(a.shape()));
        }
        return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }
}
