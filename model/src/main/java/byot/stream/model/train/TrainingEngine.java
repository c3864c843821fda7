package byot.stream.model.train;

import byot.stream.model.engine.EagerTrainingStep;
import byot.stream.model.graph.ForwardBackward;
import byot.stream.model.graph.Parameters;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.ContinualTerms;
import byot.stream.model.loss.LogitAdjustment;
import byot.stream.model.spec.ModelSpec;
import java.util.Locale;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Which code computes a training step's forward and backward passes.
 * <ul>
 *   <li>{@link #GRAPH}: the SameDiff training graph; runs on every ND4J backend (the {@code cuda} profile's too);</li>
 *   <li>{@link #EAGER}: the op-by-op CPU engine ({@link EagerTrainingStep}), same results without SameDiff's
 *       per-step planning and allocation;</li>
 *   <li>{@link #AUTO} (the default): eager on the CPU backend, the graph on any other.</li>
 * </ul>
 * The system property {@value #PROPERTY} ({@code auto}, {@code graph} or {@code eager}) sets it for trainers
 * made without an explicit choice.
 */
public enum TrainingEngine {
    AUTO, GRAPH, EAGER;

    public static final String PROPERTY = "byot.train.engine";

    public static TrainingEngine fromSystemProperty() {
        return fromId(System.getProperty(PROPERTY, "auto"));
    }

    public static TrainingEngine fromId(String id) {
        try {
            return valueOf(id.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown training engine '" + id + "'; known: auto, graph, eager");
        }
    }

    /** The engine this choice means for a spec on the current ND4J backend. */
    public TrainingEngine resolve(ModelSpec spec) {
        if (this != AUTO) {
            return this;
        }
        return Nd4j.getEnvironment().isCPU() ? EAGER : GRAPH;
    }

    /**
     * Whether this choice, on the current backend, can train a stream learner's own terms ({@link ContinualTerms}:
     * unlabelled self-distillation and {@link LogitAdjustment}); only the eager engine has them.
     */
    public boolean hasContinualTerms(ModelSpec spec) {
        return resolve(spec) == EAGER;
    }

    ForwardBackward create(ModelSpec spec, Parameters params, DistillationConfig distillation, ContinualTerms terms) {
        return switch (resolve(spec)) {
            case EAGER -> new EagerTrainingStep(spec, params, distillation, terms);
            case GRAPH -> {
                if (terms.logitAdjustment().enabled()) {
                    throw new IllegalArgumentException("the graph training engine has no logit-adjusted cross-entropy:"
                            + " switch it off (tau 0; in the job --logit-adjustment 0) or train on the eager engine"
                            + " (-D" + PROPERTY + "=eager, CPU only)");
                }
                if (terms.unlabelled().enabled()) {
                    // The graph's loss would need per-row masks in every term; the eager engine is the default on CPU.
                    throw new IllegalArgumentException("the graph training engine has no unlabelled distillation term:"
                            + " switch it off (weight 0; in the job --unlabelled-share 0) or train on the eager engine"
                            + " (-D" + PROPERTY + "=eager, CPU only)");
                }
                yield new TrainingGraph(spec, params, distillation);
            }
            case AUTO -> throw new IllegalStateException("unresolved engine");
        };
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
