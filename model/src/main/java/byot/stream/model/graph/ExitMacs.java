package byot.stream.model.graph;

/**
 * Multiply-accumulates per sample of a multi-exit network, and what they add up to for a sample that leaves at a
 * given exit. Shared by the training and the inference graph, which count the same sections and heads.
 *
 * @param sectionMacs per backbone section
 * @param headMacs    per exit's classifier
 */
public record ExitMacs(long[] sectionMacs, long[] headMacs) {

    public ExitMacs {
        sectionMacs = sectionMacs.clone();
        headMacs = headMacs.clone();
    }

    /** MACs per sample for a sample that leaves at {@code exit}: sections up to it plus every head on the way. */
    public long macsToExit(int exit) {
        long total = 0;
        for (int i = 0; i <= exit; i++) {
            total += sectionMacs[i] + headMacs[i];
        }
        return total;
    }

    /** MACs of a plain forward pass to the deepest classifier, no shallow heads evaluated. */
    public long fullDepthMacs() {
        long total = headMacs[headMacs.length - 1];
        for (long m : sectionMacs) {
            total += m;
        }
        return total;
    }
}
