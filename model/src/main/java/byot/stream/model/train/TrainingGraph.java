package byot.stream.model.train;

import byot.stream.model.graph.BuiltGraph;
import byot.stream.model.graph.ForwardBackward;
import byot.stream.model.graph.LayerBuilder;
import byot.stream.model.graph.Names;
import byot.stream.model.graph.Parameters;
import byot.stream.model.network.MultiExitNetwork;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.SelfDistillationLoss;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.nd4j.GradientFunction;
import byot.stream.model.nd4j.PooledSession;
import byot.stream.model.spec.ModelSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training graph with its loss attached and its gradient function created once. One call of
 * {@link #forwardBackward} yields the loss parts, the batch-norm batch statistics and the gradient of
 * every weight the loss depends on.
 */
public final class TrainingGraph implements ForwardBackward {

    /** The name under which SameDiff 1.0.0-M2.1 stores the function that createGradFunction builds. */
    private static final String GRAD_FUNCTION = GradientFunction.NAME;

    private final BuiltGraph built;
    private final List<String> lossParts;
    private final List<String> trainable;
    private final List<String> requested;
    /** Trainable weight to the name of its gradient variable. */
    private final Map<String, String> gradientNames;
    private final List<String> fetched;

    public TrainingGraph(ModelSpec spec, Parameters params, DistillationConfig cfg) {
        this.built = MultiExitNetwork.training(spec, params);
        SameDiff sd = built.sameDiff();
        this.lossParts = SelfDistillationLoss.attach(sd, cfg, spec.sections(), spec.numClasses());
        // A baseline's loss leaves the shallow heads out: they have no gradient, and running them is waste.
        String deepestHead = "exit" + spec.sections() + "/";
        java.util.function.Predicate<String> inLoss = name -> cfg.mode() != TrainingMode.BASELINE
                || !name.startsWith("exit") || name.startsWith(deepestHead);
        this.trainable = new ArrayList<>(params.view(Parameters.Kind.WEIGHT).keySet());
        trainable.removeIf(inLoss.negate());
        GradientFunction.create(sd);
        List<String> out = new ArrayList<>(lossParts);
        for (int e = 0; e < spec.sections(); e++) {
            if (inLoss.test("exit" + (e + 1) + "/")) {
                out.add(Names.logits(e));
            }
        }
        for (LayerBuilder.BatchNormTap tap : built.batchNormTaps()) {
            if (!inLoss.test(tap.layer())) {
                continue;
            }
            out.add(tap.batchMean());
            out.add(tap.batchVariance());
        }
        this.requested = out;
        this.gradientNames = new LinkedHashMap<>();
        for (String weight : trainable) {
            SDVariable gradient = sd.getVariable(weight).getGradient();
            if (gradient != null) {
                gradientNames.put(weight, gradient.name());
            }
        }
        this.fetched = new ArrayList<>(requested);
        fetched.addAll(gradientNames.values());
    }

    @Override
    public int[][] exitPredictions(Pass pass) {
        int exits = built.headMacs().length;
        int[][] predictions = new int[exits][];
        for (int e = 0; e < exits; e++) {
            INDArray logits = pass.outputs().get(Names.logits(e));
            if (logits == null) {
                predictions[e] = null;
                continue;
            }
            predictions[e] = logits.argMax(1).toIntVector();
        }
        return predictions;
    }

    public BuiltGraph built() {
        return built;
    }

    @Override
    public List<LayerBuilder.BatchNormTap> batchNormTaps() {
        return built.batchNormTaps();
    }

    @Override
    public List<String> lossParts() {
        return lossParts;
    }

    @Override
    public List<String> trainableWeights() {
        return trainable;
    }

    @Override
    public INDArray weight(String name) {
        return built.sameDiff().getArrForVarName(name);
    }

    @Override
    public Pass forwardBackward(INDArray pixels, INDArray oneHotLabels, double alpha, double hintWeight,
                                INDArray teacherLogits) {
        Map<String, INDArray> feed = new HashMap<>();
        feed.put(Names.INPUT, pixels);
        feed.put(Names.LABEL, oneHotLabels);
        feed.put(Names.ALPHA, Nd4j.scalar((float) alpha));
        feed.put(Names.HINT_WEIGHT, Nd4j.scalar((float) hintWeight));
        if (teacherLogits != null) {
            feed.put(Names.TEACHER_LOGITS, teacherLogits);
        }
        // What SameDiff.calculateGradientsAndOutputs does, minus its setEnableCache(false) on the gradient
        // function (ND4J 1.0.0-M2.1): with that, the session frees no intermediate array, and every step
        // allocates all activations and gradients anew, a third of the step in page faults alone.
        SameDiff gradFunction = built.sameDiff().getFunction(GRAD_FUNCTION);
        gradFunction.setEnableCache(true);
        gradFunction.setListeners(built.sameDiff().getListeners());
        PooledSession.installForCurrentThread(gradFunction);
        Map<String, INDArray> values = gradFunction.output(feed, fetched);
        Map<String, INDArray> outputs = new HashMap<>();
        for (String name : requested) {
            outputs.put(name, values.get(name));
        }
        Map<String, INDArray> gradients = new HashMap<>();
        gradientNames.forEach((weight, gradient) -> gradients.put(weight, values.get(gradient)));
        return new Pass(outputs, gradients);
    }
}
