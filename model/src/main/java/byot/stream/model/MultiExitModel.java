package byot.stream.model;

import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.graph.InferenceGraph;
import byot.stream.model.graph.MultiExitNetwork;
import byot.stream.model.graph.Parameters;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.spec.ModelSpec;
import byot.stream.model.train.SgdConfig;
import byot.stream.model.train.Trainer;
import byot.stream.model.train.TrainingEngine;

/**
 * A multi-exit network's identity and state: its spec, its named tensors, the optimisation step it has
 * reached and its model version. Graphs are built from it on demand: {@link #trainer} for learning,
 * {@link #snapshot} for an immutable early-exit classifier of the current weights.
 *
 * <p>Not thread-safe: one owner trains it; snapshots are what other threads use.
 */
public final class MultiExitModel {

    private final ModelSpec spec;
    private final Parameters parameters;
    private long step;
    private long version;

    public MultiExitModel(ModelSpec spec, Parameters parameters, long step, long version) {
        this.spec = spec;
        this.parameters = parameters;
        this.step = step;
        this.version = version;
    }

    /** A freshly initialised model (version 0) whose weights depend only on {@code seed}. */
    public static MultiExitModel create(ModelSpec spec, long seed) {
        Parameters params = new Parameters(seed);
        MultiExitNetwork.inference(spec, params).close(); // building once draws every weight
        return new MultiExitModel(spec, params, 0, 0);
    }

    public ModelSpec spec() {
        return spec;
    }

    public Parameters parameters() {
        return parameters;
    }

    public long step() {
        return step;
    }

    public void advanceStep() {
        step++;
    }

    public long version() {
        return version;
    }

    /** Model versions only grow. */
    public void setVersion(long newVersion) {
        if (newVersion < version) {
            throw new IllegalArgumentException("model version may not go back from " + version + " to " + newVersion);
        }
        version = newVersion;
    }

    public Trainer trainer(DistillationConfig distillation, SgdConfig sgd) {
        return new Trainer(this, distillation, sgd);
    }

    public Trainer trainer(DistillationConfig distillation, SgdConfig sgd, TrainingEngine engine) {
        return new Trainer(this, distillation, sgd, engine);
    }

    /**
     * Frees the model's tensors now. For models that only carried weights from bytes to a snapshot (a decoded
     * update); snapshots own copies, so they stay valid.
     */
    public void release() {
        parameters.release();
    }

    /** An immutable classifier of the current weights, tagged with the current version. */
    public EarlyExitClassifier snapshot() {
        InferenceGraph graph = MultiExitNetwork.inference(spec, parameters);
        return new EarlyExitClassifier(spec, graph, version);
    }
}
