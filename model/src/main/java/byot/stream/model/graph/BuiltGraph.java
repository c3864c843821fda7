package byot.stream.model.graph;

import java.util.List;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A built SameDiff graph with what the builder learned on the way.
 *
 * @param sectionMacs multiply-accumulates per sample of each backbone section
 * @param headMacs    multiply-accumulates per sample of each exit's classifier
 */
public record BuiltGraph(SameDiff sameDiff, List<LayerBuilder.BatchNormTap> batchNormTaps,
                         long[] sectionMacs, long[] headMacs) {

    /** MACs per sample for a sample that leaves at {@code exit}: sections up to it plus every head on the way. */
    public long macsToExit(int exit) {
        return new ExitMacs(sectionMacs, headMacs).macsToExit(exit);
    }

    /** MACs of a plain forward pass to the deepest classifier, no shallow heads evaluated. */
    public long fullDepthMacs() {
        return new ExitMacs(sectionMacs, headMacs).fullDepthMacs();
    }
}
