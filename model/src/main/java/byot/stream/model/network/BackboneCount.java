package byot.stream.model.network;

import byot.stream.model.graph.FeatureMap;
import byot.stream.model.graph.LayerCounter;
import byot.stream.model.backbone.Backbone;
import byot.stream.model.spec.InputShape;
import byot.stream.model.spec.ModelSpec;

/**
 * Size of a spec's plain network, counted from the same description the graph builder uses but without
 * building it: the backbone's sections plus the deepest classifier (global pooling and a dense layer), no
 * shallow exits. This is the network whose size papers publish.
 *
 * @param weights     trainable weights (convolutions, batch-norm scale and shift, dense weights and biases)
 * @param sectionMacs multiply-accumulates per sample of each section
 * @param headMacs    multiply-accumulates per sample of the deepest classifier
 */
public record BackboneCount(long weights, long[] sectionMacs, long headMacs) {

    public static BackboneCount of(ModelSpec spec) {
        return of(Backbone.of(spec), spec);
    }

    /** Counts a backbone built for {@code spec} (for configurations that are not presets). */
    public static BackboneCount of(Backbone backbone, ModelSpec spec) {
        LayerCounter counter = new LayerCounter();
        InputShape in = spec.input();
        FeatureMap x = LayerCounter.input(in.channels(), in.height(), in.width());
        long[] sectionMacs = new long[backbone.sections()];
        for (int s = 0; s < sectionMacs.length; s++) {
            x = backbone.section(counter, s, x);
            sectionMacs[s] = counter.takeMacs();
        }
        counter.poolDense(x, spec.numClasses());
        return new BackboneCount(counter.weights(), sectionMacs, counter.takeMacs());
    }

    /** Multiply-accumulates per sample of a forward pass through the plain network. */
    public long macs() {
        long total = headMacs;
        for (long m : sectionMacs) {
            total += m;
        }
        return total;
    }
}
