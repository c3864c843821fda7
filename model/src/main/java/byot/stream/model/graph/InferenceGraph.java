package byot.stream.model.graph;

import byot.stream.model.nd4j.StageProgram;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inference graph cut into one SameDiff graph per stage: stage s runs section s and exit s's classifier.
 * Stage s reads {@link Names#sectionInput}(s) and yields {@link Names#sectionOutput}(s) (NHWC),
 * {@link Names#logits}(s) and {@link Names#probabilities}(s).
 *
 * <p>Separate graphs keep what one call plans small; {@link #run} executes a stage with the graph's own ops
 * but without SameDiff's per-call session work ({@link StageProgram}). A stage with an op that runner does not
 * know runs through SameDiff instead, correct but slower (SameDiff's per-call planning costs about a third of a
 * batch-1 call); that is logged once per graph at WARN, with the op, and {@link #fallbackReason} tells it.
 */
public final class InferenceGraph implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceGraph.class);

    private final List<SameDiff> stages;
    /** Per stage, its op-by-op runner, or null where SameDiff runs the stage. */
    private final List<StageProgram> programs = new ArrayList<>();
    /** Per stage, why it runs through SameDiff, or null where it runs op by op. */
    private final List<String> fallbackReasons = new ArrayList<>();
    private final ExitMacs macs;

    /**
     * @param sectionMacs multiply-accumulates per sample of each backbone section
     * @param headMacs    multiply-accumulates per sample of each exit's classifier
     */
    public InferenceGraph(List<SameDiff> stages, long[] sectionMacs, long[] headMacs) {
        this.stages = List.copyOf(stages);
        this.macs = new ExitMacs(sectionMacs, headMacs);
        List<String> fallbacks = new ArrayList<>();
        for (int s = 0; s < stages.size(); s++) {
            StageProgram program = null;
            String reason = null;
            try {
                program = new StageProgram(stages.get(s), Names.sectionInput(s));
            } catch (IllegalStateException unsupported) {
                reason = unsupported.getMessage();
                fallbacks.add("stage " + s + ": " + reason);
            }
            programs.add(program);
            fallbackReasons.add(reason);
        }
        if (!fallbacks.isEmpty()) {
            LOG.warn("inference runs {} of {} stages through SameDiff's slower session path: {}", fallbacks.size(),
                    stages.size(), String.join("; ", fallbacks));
        }
    }

    public int stages() {
        return stages.size();
    }

    /** Stage s as a SameDiff graph, e.g. to check {@link #run} against SameDiff's own execution. */
    public SameDiff sameDiff(int stage) {
        return stages.get(stage);
    }

    /** Runs stage {@code stage} on its input (batch first) and returns the named outputs in the order asked. */
    public INDArray[] run(int stage, INDArray input, String... outputs) {
        StageProgram program = programs.get(stage);
        if (program != null) {
            return program.run(input, Arrays.asList(outputs));
        }
        Map<String, INDArray> out = stages.get(stage).output(Map.of(Names.sectionInput(stage), input), outputs);
        return Arrays.stream(outputs).map(out::get).toArray(INDArray[]::new);
    }

    /**
     * Hands an output of {@link #run}({@code stage}, ...) back once its caller is done with it, so that a later
     * call reuses its memory instead of touching fresh pages; the caller must not use it afterwards. Where the
     * stage runs through SameDiff it is simply dropped.
     */
    public void recycle(int stage, INDArray output) {
        StageProgram program = programs.get(stage);
        if (program != null) {
            program.recycle(output);
        }
    }

    /**
     * An array of {@code shape} (batch first) for the caller to fill, e.g. with the samples of a stage's output
     * that go on to the next stage; from the pool of stage {@code stage}'s arrays where it runs op by op. Hand it
     * back with {@link #recycle} when done.
     */
    public INDArray borrow(int stage, long[] shape) {
        StageProgram program = programs.get(stage);
        return program != null ? program.borrow(shape) : Nd4j.createUninitialized(DataType.FLOAT, shape);
    }

    /** True when stage {@code stage} runs op by op; false when it has an op only SameDiff runs (e.g. split). */
    public boolean runsOpByOp(int stage) {
        return programs.get(stage) != null;
    }

    /** Why stage {@code stage} runs through SameDiff (the op the op-by-op runner lacks); empty when it does not. */
    public Optional<String> fallbackReason(int stage) {
        return Optional.ofNullable(fallbackReasons.get(stage));
    }

    /**
     * Frees the graph's native memory (its weights, which it owns as copies, and its pooled activations) at once.
     * A continual learner replaces snapshots every few seconds; left to the garbage collector, their off-heap
     * buffers outlive them for as long as their small Java wrappers sit in the old generation: hundreds of MB
     * within minutes. Arrays already returned by {@link #run} belong to their callers and stay valid.
     */
    @Override
    public void close() {
        for (StageProgram program : programs) {
            if (program != null) {
                program.close();
            }
        }
        for (SameDiff sd : stages) {
            for (SDVariable v : sd.variables()) {
                if (v.getVariableType() == VariableType.CONSTANT || v.getVariableType() == VariableType.VARIABLE) {
                    INDArray arr = sd.getArrForVarName(v.name());
                    if (arr != null && arr.closeable()) {
                        arr.close();
                    }
                }
            }
        }
    }

    /** MACs per sample for a sample that leaves at {@code exit}: sections up to it plus every head on the way. */
    public long macsToExit(int exit) {
        return macs.macsToExit(exit);
    }

    /** MACs of a plain forward pass to the deepest classifier, no shallow heads evaluated. */
    public long fullDepthMacs() {
        return macs.fullDepthMacs();
    }
}
