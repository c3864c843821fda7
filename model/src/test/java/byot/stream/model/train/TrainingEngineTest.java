package byot.stream.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import byot.stream.model.MultiExitModel;
import byot.stream.model.TinyData;
import byot.stream.model.graph.Parameters;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.InputShape;
import byot.stream.model.spec.ModelSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The trainer's two engines: the same steps, the same weights, running statistics and momentum afterwards. */
class TrainingEngineTest {

    private static final ModelSpec SPEC = new ModelSpec(Architecture.RESNET18, new InputShape(1, 12, 12), 4, 1.0 / 16, 0.3f, 0.35f);

    @ParameterizedTest
    @EnumSource(value = TrainingMode.class, names = {"BASELINE", "DEEPSUP", "BYOT"})
    void bothEnginesTrainTheSameModel(TrainingMode mode) {
        MultiExitModel onGraph = MultiExitModel.create(SPEC, 4);
        MultiExitModel onEager = MultiExitModel.create(SPEC, 4);
        SgdConfig sgd = new SgdConfig(0.05, 0.9, 5e-4, LrSchedule.COSINE, 10);
        Trainer graph = new Trainer(onGraph, DistillationConfig.defaults(mode), sgd, TrainingEngine.GRAPH);
        Trainer eager = new Trainer(onEager, DistillationConfig.defaults(mode), sgd, TrainingEngine.EAGER);
        assertEquals(TrainingEngine.EAGER, eager.engine());
        // Two steps: the second's loss is computed with weights, momentum and running statistics from the first.
        for (int step = 0; step < 2; step++) {
            TinyData batch = new TinyData(8, 4, 1, 12, 20 + step);
            StepResult want = graph.step(batch.pixels, batch.labels);
            StepResult got = eager.step(batch.pixels, batch.labels);
            assertEquals(want.loss(), got.loss(), 1e-4 * Math.abs(want.loss()), "loss at step " + step);
            assertEquals(want.parts().keySet(), got.parts().keySet());
            assertEquals(want.learningRate(), got.learningRate());
            for (int e = 0; e < 4; e++) {
                assertEquals(want.exitPredictions()[e] == null, got.exitPredictions()[e] == null, "exit " + e);
            }
            assertArrayEquals(want.exitPredictions()[3], got.exitPredictions()[3]);
            if (step == 0) {
                assertSameState(onGraph, onEager);
            }
        }
    }

    private static void assertSameState(MultiExitModel onGraph, MultiExitModel onEager) {
        for (Parameters.Kind kind : Parameters.Kind.values()) {
            Map<String, INDArray> expected = onGraph.parameters().view(kind);
            Map<String, INDArray> actual = onEager.parameters().view(kind);
            assertEquals(expected.keySet(), actual.keySet(), kind.name());
            expected.forEach((name, want) -> {
                double error = want.sub(actual.get(name)).norm2Number().doubleValue();
                double scale = Math.max(want.norm2Number().doubleValue(), 1e-3);
                assertTrue(error <= 1e-4 * scale, kind + " " + name + ": |difference| " + error + " vs " + scale);
            });
        }
    }

    @Test
    void aNonFiniteLossLeavesEveryWeightAsItWas() {
        MultiExitModel model = MultiExitModel.create(SPEC, 4);
        Trainer trainer = new Trainer(model, DistillationConfig.defaults(TrainingMode.BYOT), SgdConfig.paperDefaults(10),
                TrainingEngine.EAGER);
        TinyData batch = new TinyData(8, 4, 1, 12, 1);
        trainer.step(batch.pixels, batch.labels); // momentum and running statistics exist now
        Map<String, INDArray> before = copies(model);
        INDArray poisoned = batch.pixels.dup();
        poisoned.putScalar(new long[] {0, 0, 3, 3}, Float.NaN);
        assertThrows(NonFiniteLossException.class, () -> trainer.step(poisoned, batch.labels));
        Map<String, INDArray> after = copies(model);
        assertEquals(before, after);
        assertEquals(1, model.step());
    }

    @Test
    void autoPicksTheEagerEngineOnTheCpuAndAPropertyOverridesIt() {
        assertEquals(TrainingEngine.EAGER, TrainingEngine.AUTO.resolve(SPEC));
        assertEquals(TrainingEngine.GRAPH, TrainingEngine.GRAPH.resolve(SPEC));
        assertEquals(TrainingEngine.GRAPH, TrainingEngine.fromId(" Graph "));
        assertThrows(IllegalArgumentException.class, () -> TrainingEngine.fromId("fast"));
        String old = System.getProperty(TrainingEngine.PROPERTY);
        try {
            System.setProperty(TrainingEngine.PROPERTY, "graph");
            assertEquals(TrainingEngine.GRAPH, new Trainer(MultiExitModel.create(SPEC, 1), DistillationConfig.defaults(TrainingMode.BYOT), SgdConfig.paperDefaults(10)).engine());
        } finally {
            if (old == null) {
                System.clearProperty(TrainingEngine.PROPERTY);
            } else {
                System.setProperty(TrainingEngine.PROPERTY, old);
            }
        }
    }

    private static Map<String, INDArray> copies(MultiExitModel model) {
        Map<String, INDArray> out = new java.util.TreeMap<>();
        for (Parameters.Kind kind : Parameters.Kind.values()) {
            model.parameters().view(kind).forEach((k, v) -> out.put(kind + ":" + k, v.dup()));
        }
        return out;
    }
}
