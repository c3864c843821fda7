package byot.stream.model.backbone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import byot.stream.model.MultiExitModel;
import byot.stream.model.TinyData;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.exit.ExitDecision;
import byot.stream.model.exit.ExitPolicy;
import byot.stream.model.network.BackboneCount;
import byot.stream.model.graph.BuiltGraph;
import byot.stream.model.network.MultiExitNetwork;
import byot.stream.model.graph.Names;
import byot.stream.model.graph.Parameters;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.InputShape;
import byot.stream.model.spec.ModelSpec;
import byot.stream.model.train.LrSchedule;
import byot.stream.model.train.SgdConfig;
import byot.stream.model.train.StepResult;
import byot.stream.model.train.Trainer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Every backbone at a tiny width: counted as built, answers at every exit, learns in every mode, exits early. */
class EveryBackboneTest {

    private static final int CLASSES = 4;
    private static final int SIZE = 12;

    /** A width that keeps every backbone at a handful of channels per layer. */
    static ModelSpec tiny(Architecture arch, int size) {
        double width = switch (arch) {
            case WRN20_8, WRN44_8 -> 1.0 / 32;
            case WRN28_12, RESNEXT29_8, PYRAMIDNET101_240 -> 1.0 / 48;
            default -> 1.0 / 16;
        };
        return new ModelSpec(arch, new InputShape(1, size, size), CLASSES, width, 0.3f, 0.35f);
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void countsMatchTheBuiltGraph(Architecture arch) {
        ModelSpec spec = new ModelSpec(arch, new InputShape(3, 13, 11), 5, 1.0 / 16, 0.5f, 0.25f);
        Parameters params = new Parameters(1);
        BuiltGraph graph = MultiExitNetwork.training(spec, params);
        BackboneCount count = BackboneCount.of(spec);
        assertArrayEquals(graph.sectionMacs(), count.sectionMacs());
        assertEquals(graph.headMacs()[3], count.headMacs());
        long backboneWeights = params.view(Parameters.Kind.WEIGHT).entrySet().stream()
                .filter(e -> !e.getKey().matches("exit[123]/.*"))
                .mapToLong(e -> e.getValue().length()).sum();
        assertEquals(backboneWeights, count.weights());
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void everyExitAnswersAndHintsMatchTheDeepestMap(Architecture arch) {
        ModelSpec spec = tiny(arch, 28);
        INDArray pixels = Nd4j.rand(3, 1, 28, 28).muli(255);
        INDArray[] exits = MultiExitModel.create(spec, 0).snapshot().allExits(pixels);
        assertEquals(4, exits.length);
        for (INDArray probs : exits) {
            assertArrayEquals(new long[] {3, CLASSES}, probs.shape());
            assertEquals(3.0, probs.sumNumber().doubleValue(), 1e-4);
        }
        BuiltGraph training = MultiExitNetwork.training(spec, new Parameters(0));
        Map<String, INDArray> out = training.sameDiff().output(Map.of(Names.INPUT, pixels), Names.hintFeatures(0),
                Names.hintFeatures(1), Names.hintFeatures(2), Names.sectionOutput(3));
        for (int e = 0; e < 3; e++) {
            assertArrayEquals(out.get(Names.sectionOutput(3)).shape(), out.get(Names.hintFeatures(e)).shape(), "exit " + (e + 1));
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void learnsInEveryModeAndExitsEarly(Architecture arch) {
        ModelSpec spec = tiny(arch, SIZE);
        TinyData batch = new TinyData(16, CLASSES, 1, SIZE, 5);
        INDArray teacherLogits = teacherLogits(batch.labels);
        for (TrainingMode mode : modesFor(arch)) {
            // The trainer's graph draws the initial weights; no inference graph needed first.
            MultiExitModel model = new MultiExitModel(spec, new Parameters(3), 0, 0);
            Trainer trainer = new Trainer(model, DistillationConfig.defaults(mode), new SgdConfig(0.02, 0.9, 0, LrSchedule.CONSTANT, 0));
            INDArray teacher = mode == TrainingMode.KD ? teacherLogits : null;
            StepResult first = trainer.step(batch.pixels, batch.labels, teacher);
            StepResult last = first;
            for (int i = 0; i < 4; i++) {
                last = trainer.step(batch.pixels, batch.labels, teacher);
            }
            assertTrue(last.loss() < first.loss(), arch.id() + " " + mode.id() + ": loss " + first.loss() + " -> " + last.loss());
            if (mode == TrainingMode.BYOT) {
                assertEarlyExitEqualsThresholding(model.snapshot(), batch.pixels);
            }
        }
    }

    /**
     * Every mode for every backbone, except that ResNet101 and ResNet152, whose blocks are ResNet50's and
     * which take longest to build, train in BYOT mode only (the mode that runs every head and loss term).
     */
    private static List<TrainingMode> modesFor(Architecture arch) {
        return arch == Architecture.RESNET101 || arch == Architecture.RESNET152
                ? List.of(TrainingMode.BYOT)
                : List.of(TrainingMode.values());
    }

    /**
     * A teacher that favours the label but not certainly. (An untrained deep network's own logits would not
     * do: with the initial running statistics its inference graph does not normalise, and the logits of a
     * 33-block PyramidNet reach thousands.)
     */
    private static INDArray teacherLogits(int[] labels) {
        INDArray logits = Nd4j.zeros(labels.length, CLASSES);
        for (int i = 0; i < labels.length; i++) {
            for (int c = 0; c < CLASSES; c++) {
                logits.putScalar(i, c, c == labels[i] ? 2.0 : 0.5 * ((i + c) % 3));
            }
        }
        return logits;
    }

    /** Early exit gives each sample the answer of the first exit whose confidence passes; exit 1 is cheaper than full depth. */
    private static void assertEarlyExitEqualsThresholding(EarlyExitClassifier classifier, INDArray pixels) {
        // Copies: the session may reuse its output buffers in the next call.
        INDArray[] all = Arrays.stream(classifier.allExits(pixels)).map(INDArray::dup).toArray(INDArray[]::new);
        float[] firstExit = all[0].max(1).toFloatVector();
        Arrays.sort(firstExit);
        double threshold = firstExit[firstExit.length / 2]; // about half the samples leave at exit 1
        ExitPolicy policy = ExitPolicy.uniform(ExitCriterion.MAX_SOFTMAX, threshold, 4);
        List<ExitDecision> decisions = classifier.classify(pixels, policy);
        for (int i = 0; i < decisions.size(); i++) {
            int expected = 3;
            for (int e = 0; e < 3; e++) {
                if (policy.exitsAt(e, all[e].getRow(i).toFloatVector())) {
                    expected = e;
                    break;
                }
            }
            ExitDecision d = decisions.get(i);
            assertEquals(expected + 1, d.exitDepth(), "sample " + i);
            float[] row = all[expected].getRow(i).toFloatVector();
            assertEquals(EarlyExitClassifier.argmax(row), d.predictedClass());
            assertEquals(row[d.predictedClass()], d.confidence(), 1e-5);
        }
        assertTrue(decisions.stream().anyMatch(d -> d.exitDepth() == 1));
        assertTrue(classifier.macsToExit(0) < classifier.fullDepthMacs());
    }
}
