package byot.stream.model.graph;

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
 * Builds the multi-exit network of a {@link ModelSpec} as a SameDiff graph.
 *
 * <p>The training graph is one forward pass from {@link Names#INPUT} through every section and every
 * classifier. The inference graph gives each section its own placeholder ({@link Names#sectionInput}),
 * so early exit can run a section on only the samples that have not left yet.
 *
 * <p>Both graphs take raw pixel values in [0, 255] and normalise them with the spec's mean and std.
 */
public final class MultiExitNetwork {

    private MultiExitNetwork() {
    }

    public static BuiltGraph training(ModelSpec spec, Parameters params) {
        return build(spec, params, LayerBuilder.Mode.TRAIN);
    }

    public static BuiltGraph inference(ModelSpec spec, Parameters params) {
        return build(spec, params, LayerBuilder.Mode.INFER);
    }

    private static BuiltGraph build(ModelSpec spec, Parameters params, LayerBuilder.Mode mode) {
        SameDiff sd = SameDiff.create();
        LayerBuilder layers = new LayerBuilder(sd, params, mode);
        Backbone backbone = Backbone.of(spec);
        int sections = backbone.sections();
        InputShape in = spec.input();

        SDVariable pixels = sd.placeHolder(Names.INPUT, DataType.FLOAT, -1, in.channels(), in.height(), in.width());
        FeatureMap x = new FeatureMap(normalize(sd, spec, pixels), in.channels(), in.height(), in.width());

        List<FeatureMap> outputs = new ArrayList<>();
        long[] sectionMacs = new long[sections];
        for (int s = 0; s < sections; s++) {
            if (mode == LayerBuilder.Mode.INFER && s > 0) {
                FeatureMap prev = outputs.get(s - 1);
                x = new FeatureMap(sd.placeHolder(Names.sectionInput(s), DataType.FLOAT, -1,
                        prev.channels(), prev.height(), prev.width()), prev.channels(), prev.height(), prev.width());
            }
            FeatureMap out = backbone.section(layers, s, x);
            out = new FeatureMap(sd.identity(Names.sectionOutput(s), out.variable()), out.channels(), out.height(), out.width());
            sectionMacs[s] = layers.takeMacs();
            outputs.add(out);
            x = out;
        }

        long[] headMacs = new long[sections];
        for (int e = 0; e < sections; e++) {
            ExitHead.Attached head = ExitHead.attach(layers, e, outputs, spec.numClasses());
            sd.nn().softmax(Names.probabilities(e), head.logits());
            headMacs[e] = layers.takeMacs();
        }
        return new BuiltGraph(sd, layers.batchNormTaps(), sectionMacs, headMacs);
    }

    private static SDVariable normalize(SameDiff sd, ModelSpec spec, SDVariable pixels) {
        double scale = 1.0 / (255.0 * spec.pixelStd());
        double shift = spec.pixelMean() / spec.pixelStd();
        return pixels.mul(scale).sub(shift);
    }
}
