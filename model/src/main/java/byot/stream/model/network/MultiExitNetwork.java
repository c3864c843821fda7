package byot.stream.model.network;

import byot.stream.model.graph.BuiltGraph;
import byot.stream.model.graph.FeatureMap;
import byot.stream.model.graph.InferenceGraph;
import byot.stream.model.graph.LayerBuilder;
import byot.stream.model.graph.Names;
import byot.stream.model.graph.Parameters;
import byot.stream.model.backbone.Backbone;
import byot.stream.model.head.ExitHead;
import byot.stream.model.spec.InputShape;
import byot.stream.model.spec.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Builds the multi-exit network of a {@link ModelSpec} as SameDiff graphs.
 *
 * <p>The training graph is one forward pass from {@link Names#INPUT} through every section and every
 * classifier. The inference graph is one graph per stage ({@link InferenceGraph}), each with its own
 * placeholder ({@link Names#sectionInput}), so early exit can run a section on only the samples that have
 * not left yet.
 *
 * <p>Both take raw pixel values [N, C, H, W] in [0, 255] and normalise them with the spec's mean and std.
 */
public final class MultiExitNetwork {

    private MultiExitNetwork() {
    }

    public static BuiltGraph training(ModelSpec spec, Parameters params) {
        SameDiff sd = SameDiff.create();
        LayerBuilder layers = new LayerBuilder(sd, params, LayerBuilder.Mode.TRAIN);
        Backbone backbone = Backbone.of(spec);
        int sections = backbone.sections();
        InputShape in = spec.input();

        SDVariable pixels = sd.placeHolder(Names.INPUT, DataType.FLOAT, -1, in.channels(), in.height(), in.width());
        FeatureMap x = new FeatureMap(normalize(sd, spec, pixels), in.channels(), in.height(), in.width());

        List<FeatureMap> outputs = new ArrayList<>();
        long[] sectionMacs = new long[sections];
        for (int s = 0; s < sections; s++) {
            FeatureMap out = layers.named(Names.sectionOutput(s), backbone.section(layers, s, x));
            sectionMacs[s] = layers.takeMacs();
            outputs.add(out);
            x = out;
        }

        long[] headMacs = new long[sections];
        for (int e = 0; e < sections; e++) {
            ExitHead.Attached head = ExitHead.attach(layers, spec.heads(), e, outputs, spec.numClasses());
            sd.nn().softmax(Names.probabilities(e), head.logits());
            headMacs[e] = layers.takeMacs();
        }
        return new BuiltGraph(sd, layers.batchNormTaps(), sectionMacs, headMacs);
    }

    public static InferenceGraph inference(ModelSpec spec, Parameters params) {
        Backbone backbone = Backbone.of(spec);
        int sections = backbone.sections();
        InputShape in = spec.input();

        List<LayerBuilder> stages = new ArrayList<>();
        List<FeatureMap> outputs = new ArrayList<>();
        long[] sectionMacs = new long[sections];
        for (int s = 0; s < sections; s++) {
            SameDiff sd = SameDiff.create();
            LayerBuilder layers = new LayerBuilder(sd, params, LayerBuilder.Mode.INFER);
            FeatureMap x;
            if (s == 0) {
                SDVariable pixels = sd.placeHolder(Names.INPUT, DataType.FLOAT, -1, in.channels(), in.height(), in.width());
                // Permuted to NHWC before normalising, so the first convolution reads a dense array, not a view.
                x = new FeatureMap(normalize(sd, spec, sd.permute(pixels, 0, 2, 3, 1)),
                        in.channels(), in.height(), in.width());
            } else {
                FeatureMap prev = outputs.get(s - 1);
                x = new FeatureMap(sd.placeHolder(Names.sectionInput(s), DataType.FLOAT, -1,
                        prev.height(), prev.width(), prev.channels()), prev.channels(), prev.height(), prev.width());
            }
            outputs.add(layers.named(Names.sectionOutput(s), backbone.section(layers, s, x)));
            sectionMacs[s] = layers.takeMacs();
            stages.add(layers);
        }

        long[] headMacs = new long[sections];
        List<SameDiff> graphs = new ArrayList<>();
        for (int e = 0; e < sections; e++) {
            LayerBuilder layers = stages.get(e);
            ExitHead.Attached head = ExitHead.attach(layers, spec.heads(), e, outputs, spec.numClasses());
            layers.sameDiff().nn().softmax(Names.probabilities(e), head.logits());
            headMacs[e] = layers.takeMacs();
            graphs.add(layers.sameDiff());
        }
        return new InferenceGraph(graphs, sectionMacs, headMacs);
    }

    private static SDVariable normalize(SameDiff sd, ModelSpec spec, SDVariable pixels) {
        double scale = 1.0 / (255.0 * spec.pixelStd());
        double shift = spec.pixelMean() / spec.pixelStd();
        return pixels.mul(scale).sub(shift);
    }
}
