package byot.stream.model.graph;

import byot.stream.model.network.MultiExitNetwork;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.InputShape;
import byot.stream.model.spec.ModelSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class BackboneShapesTest {

    @ParameterizedTest
    @CsvSource({"resnet18,0.125,1,16", "resnet18,0.25,1,28", "resnet34,0.0625,3,12", "resnet50,0.0625,3,12",
            "resnet101,0.03125,1,8", "resnet152,0.03125,1,8"})
    void everyExitAnswersBatchByClasses(String arch, double width, int channels, int size) {
        ModelSpec spec = new ModelSpec(Architecture.fromId(arch), new InputShape(channels, size, size), 7, width, 0.5f, 0.25f);
        EarlyExitClassifier classifier = MultiExitModel.create(spec, 0).snapshot();
        INDArray[] exits = classifier.allExits(Nd4j.rand(3, channels, size, size).muli(255));
        assertEquals(4, exits.length);
        for (INDArray probs : exits) {
            assertArrayEquals(new long[] {3, 7}, probs.shape());
            assertEquals(3.0, probs.sumNumber().doubleValue(), 1e-4);
        }
    }

    @ParameterizedTest
    @CsvSource({"resnet18,16,28,28", "resnet50,16,28,28"})
    void hintFeaturesMatchTheDeepestMap(String arch, int width16, int h, int w) {
        ModelSpec spec = new ModelSpec(Architecture.fromId(arch), new InputShape(1, h, w), 10, width16 / 64.0, 0.5f, 0.25f);
        BuiltGraph g = MultiExitNetwork.training(spec, new Parameters(0));
        var sd = g.sameDiff();
        INDArray x = Nd4j.rand(2, 1, h, w);
        var out = sd.output(java.util.Map.of(Names.INPUT, x), Names.hintFeatures(0), Names.hintFeatures(1),
                Names.hintFeatures(2), Names.sectionOutput(3));
        long[] deepest = out.get(Names.sectionOutput(3)).shape();
        for (int e = 0; e < 3; e++) {
            assertArrayEquals(deepest, out.get(Names.hintFeatures(e)).shape(), "exit " + (e + 1));
        }
    }
}
