package byot.stream.model.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The inference graph cut into one SameDiff graph per stage: stage s runs section s and exit s's classifier.
 * Stage s reads {@link Names#sectionInput}(s) and yields {@link Names#sectionOutput}(s) (NHWC),
 * {@link Names#logits}(s) and {@link Names#probabilities}(s).
 *
 * <p>Separate graphs keep what one call plans small; {@link #run} executes a stage with the graph's own ops
 * but without SameDiff's per-call session work ({@link StageProgram}).
 */
public final class InferenceGraph implements AutoCloseable {

    private final List<SameDiff> stages;
    /** Per stage, its op-by-op runner, or null where SameDiff runs the stage. */
    private final List<StageProgram> programs = new ArrayList<>();
    private final ExitMacs macs;

    /**
     * @param sectionMacs multiply-accumulates per sample of each backbone section
     * @param headMacs    multiply-accumulates per sample of each exit's classifier
     */
    public InferenceGraph(List<SameDiff> stages, long[] sectionMacs, long[] headMacs) {
        this.stages = List.copyOf(stages);
        this.macs = new ExitMacs(sectionMacs, headMacs);
        for (int s = 0; s < stages.size(); s++) {
            programs.add(compile(stages.get(s), Names.sectionInput(s)));
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

    /** True when stage {@code stage} runs op by op; false when it has an op only SameDiff runs (e.g. split). */
    public boolean runsOpByOp(int stage) {
        return programs.get(stage) != null;
    }

    private static StageProgram compile(SameDiff sd, String input) {
        try {
            return new StageProgram(sd, input);
        } catch (IllegalStateException unsupported) {
            return null;
        }
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
                program.releasePool();
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
