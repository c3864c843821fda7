package byot.stream.model.head;

import byot.stream.model.graph.FeatureMap;
import byot.stream.model.graph.LayerBuilder;
import byot.stream.model.graph.Layers;
import byot.stream.model.graph.Names;
import byot.stream.model.spec.HeadDesign;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A classifier after a section. A shallow one first brings the section's feature map to the deepest map's shape
 * (so the L2 hint compares like with like), in one of two designs ({@link HeadDesign}). The paper's bottleneck runs
 * stride-2 conv+BN+ReLU layers: each step halves the resolution and takes the channel count of the backbone
 * section that produces that resolution (the first, where two sections share one). The light design keeps the
 * first of those steps and halves the rest of the way by average pooling, then a 1x1 conv+BN+ReLU takes the deepest
 * channel count. Then global average pooling and a dense layer give logits. The deepest classifier is pooling and the
 * dense layer only.
 */
public final class ExitHead {

    /** The head's feature map (the hint's operand) and its logits. */
    public record Attached(FeatureMap features, SDVariable logits) {}

    private ExitHead() {
    }

    public static Attached attach(LayerBuilder layers, HeadDesign design, int exit, List<FeatureMap> sectionOutputs, int classes) {
        FeatureMap x = bottleneck(layers, design, exit, sectionOutputs);
        if (layers.mode() == LayerBuilder.Mode.TRAIN) {
            x = layers.named(Names.hintFeatures(exit), x); // only the loss's hint reads it
        }
        SDVariable logits = layers.poolDense("exit" + (exit + 1) + "/fc", Names.logits(exit), x, classes);
        return new Attached(x, logits);
    }

    /**
     * The head's layers before pooling: the bottleneck of a shallow exit, nothing for the deepest (its input
     * is returned). Its output is the feature map the hint compares.
     */
    public static FeatureMap bottleneck(Layers layers, HeadDesign design, int exit, List<FeatureMap> sectionOutputs) {
        FeatureMap x = sectionOutputs.get(exit);
        FeatureMap deepest = sectionOutputs.get(sectionOutputs.size() - 1);
        int step = 0;
        while (larger(x, deepest) || step == 0 && exit < sectionOutputs.size() - 1) {
            if (step > 0 && design == HeadDesign.LIGHT) {
                x = layers.avgPool(x);
                continue;
            }
            boolean halve = larger(x, deepest);
            int channels = halve
                    ? channelsAt(sectionOutputs, Layers.convolved(x.height(), 3, 2), Layers.convolved(x.width(), 3, 2))
                    : deepest.channels();
            x = layers.convBn("exit" + (exit + 1) + "/bottleneck" + (step + 1), x, channels, 3, halve ? 2 : 1, true);
            step++;
        }
        if (x.channels() != deepest.channels()) {
            x = layers.convBn("exit" + (exit + 1) + "/bottleneck" + (step + 1), x, deepest.channels(), 1, 1, true);
        }
        return x;
    }

    private static boolean larger(FeatureMap x, FeatureMap deepest) {
        return x.height() > deepest.height() || x.width() > deepest.width();
    }

    /** Channels of the first section whose output has this resolution; the deepest's if none has. */
    private static int channelsAt(List<FeatureMap> sectionOutputs, int height, int width) {
        for (FeatureMap s : sectionOutputs) {
            if (s.height() == height && s.width() == width) {
                return s.channels();
            }
        }
        return sectionOutputs.get(sectionOutputs.size() - 1).channels();
    }
}
