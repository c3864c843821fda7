package byot.stream.model.graph;

import byot.stream.model.train.TrainingGraph;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import byot.stream.model.MultiExitModel;
import byot.stream.model.TinyData;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.InputShape;
import byot.stream.model.spec.ModelSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The teacher is stop-gradient: the KL and hint terms must move the shallow classifiers and leave the
 * deepest section and classifier exactly where cross entropy alone would push them.
 */
class StopGradientTest {

    private static final ModelSpec SPEC = new ModelSpec(Architecture.RESNET18, new InputShape(1, 16, 16), 4, 0.125, 0.3f, 0.35f);

    @Test
    void distillationTermsTrainOnlyShallowExits() {
        MultiExitModel model = MultiExitModel.create(SPEC, 3);
        TrainingGraph graph = new TrainingGraph(SPEC, model.parameters(), DistillationConfig.defaults(TrainingMode.BYOT));
        TinyData data = new TinyData(16, 4, 1, 16, 5);
        INDArray labels = Nd4j.zeros(16, 4);
        for (int i = 0; i < 16; i++) {
            labels.putScalar(i, data.labels[i], 1f);
        }
        // alpha = 1 zeroes the shallow cross entropy, so shallow gradients come from KL and hint alone.
        Map<String, INDArray> labelsOnly = graph.forwardBackward(data.pixels, labels, 0.0, 0.0, null).gradients();
        Map<String, INDArray> klOnly = graph.forwardBackward(data.pixels, labels, 1.0, 0.0, null).gradients();
        Map<String, INDArray> klAndHint = graph.forwardBackward(data.pixels, labels, 1.0, 1.0, null).gradients();

        for (String name : graph.trainableWeights()) {
            if (name.startsWith("section4/") || name.startsWith("exit4/")) {
                assertEquals(labelsOnly.get(name), klOnly.get(name), "KL leaked into " + name);
                assertEquals(labelsOnly.get(name), klAndHint.get(name), "hint leaked into " + name);
            }
        }
        for (int exit = 1; exit <= 3; exit++) {
            String fc = "exit" + exit + "/fc/w";
            assertTrue(klOnly.get(fc).norm2Number().doubleValue() > 0, "KL gives no gradient to " + fc);
            String bottleneck = "exit" + exit + "/bottleneck1/w";
            double hintEffect = klAndHint.get(bottleneck).sub(klOnly.get(bottleneck)).norm2Number().doubleValue();
            assertTrue(hintEffect > 0, "hint gives no gradient to " + bottleneck);
        }
    }
}
