package byot.stream.model.head;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.model.backbone.Backbone;
import byot.stream.model.graph.FeatureMap;
import byot.stream.model.graph.LayerCounter;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.HeadDesign;
import byot.stream.model.spec.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Both head designs end on the deepest map's shape; the light one costs what its docs say, counted layer by layer. */
class ExitHeadTest {

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void everyShallowHeadEndsOnTheDeepestMapsShapeAndTheLightOneIsNeverDearer(Architecture arch) {
        ModelSpec spec = ModelSpec.fashionMnist(arch, 1.0 / 16);
        List<FeatureMap> outputs = sectionOutputs(spec);
        FeatureMap deepest = outputs.get(outputs.size() - 1);
        for (int exit = 0; exit < outputs.size() - 1; exit++) {
            long[] macs = new long[2];
            for (HeadDesign design : HeadDesign.values()) {
                LayerCounter counter = new LayerCounter();
                FeatureMap f = ExitHead.bottleneck(counter, design, exit, outputs);
                assertThat(new int[] {f.channels(), f.height(), f.width()}).as("%s exit %d, %s heads", arch.id(), exit + 1, design.id())
                        .containsExactly(deepest.channels(), deepest.height(), deepest.width());
                macs[design.ordinal()] = counter.takeMacs();
            }
            assertThat(macs[HeadDesign.LIGHT.ordinal()]).as("%s exit %d: light head MACs vs the bottleneck's", arch.id(), exit + 1)
                    .isPositive().isLessThanOrEqualTo(macs[HeadDesign.BOTTLENECK.ordinal()]);
        }
    }

    /**
     * ResNet18 x0.25 on 28x28: sections end on 16@28, 32@14, 64@7 and 128@4. The bottleneck of exit 1 is three stride-2
     * 3x3 steps (16->32 at 14x14, 32->64 at 7x7, 64->128 at 4x4); the light head keeps the first, pools to 4x4 and
     * takes a 1x1 from 32 to 128 channels.
     */
    @org.junit.jupiter.api.Test
    void resnet18AtAQuarterWidthCountsAsDocumented() {
        List<FeatureMap> outputs = sectionOutputs(ModelSpec.fashionMnist(Architecture.RESNET18, 0.25));
        long step1 = 14L * 14 * 32 * 16 * 9;
        assertThat(macs(HeadDesign.BOTTLENECK, 0, outputs)).isEqualTo(step1 + 7L * 7 * 64 * 32 * 9 + 4L * 4 * 128 * 64 * 9);
        assertThat(macs(HeadDesign.LIGHT, 0, outputs)).isEqualTo(step1 + 4L * 4 * 128 * 32);
        // Exit 3 is one halving away: both designs are the same single step.
        assertThat(macs(HeadDesign.LIGHT, 2, outputs)).isEqualTo(macs(HeadDesign.BOTTLENECK, 2, outputs)).isEqualTo(4L * 4 * 128 * 64 * 9);
    }

    private static long macs(HeadDesign design, int exit, List<FeatureMap> outputs) {
        LayerCounter counter = new LayerCounter();
        ExitHead.bottleneck(counter, design, exit, outputs);
        return counter.takeMacs();
    }

    private static List<FeatureMap> sectionOutputs(ModelSpec spec) {
        Backbone backbone = Backbone.of(spec);
        LayerCounter counter = new LayerCounter();
        FeatureMap x = LayerCounter.input(spec.input().channels(), spec.input().height(), spec.input().width());
        List<FeatureMap> outputs = new ArrayList<>();
        for (int s = 0; s < backbone.sections(); s++) {
            x = backbone.section(counter, s, x);
            outputs.add(x);
        }
        return outputs;
    }
}
