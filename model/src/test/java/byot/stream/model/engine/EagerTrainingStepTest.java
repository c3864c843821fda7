package byot.stream.model.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import byot.stream.model.MultiExitModel;
import byot.stream.model.TinyData;
import byot.stream.model.graph.ForwardBackward;
import byot.stream.model.graph.LayerBuilder;
import byot.stream.model.graph.Names;
import byot.stream.model.graph.Parameters;
import byot.stream.model.train.TrainingGraph;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.HeadDesign;
import byot.stream.model.spec.InputShape;
import byot.stream.model.spec.ModelSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The eager engine computes what the SameDiff training graph computes: every loss part, every exit's logits,
 * every batch-norm batch statistic and every weight's gradient, to 1e-4 relative (the norm of the difference
 * over the norm of the graph's tensor), on every backbone family and every training mode.
 */
class EagerTrainingStepTest {

    private static final int CLASSES = 4;
    private static final int SIZE = 12;
    private static final int BATCH = 8;
    private static final double TOLERANCE = 1e-4;

    /** One backbone of each family (ResNet basic and bottleneck blocks, VGG, WRN, ResNeXt, PyramidNet), tiny. */
    static Stream<Arguments> backbonesAndModes() {
        return Stream.of(Architecture.RESNET18, Architecture.RESNET50, Architecture.VGG19_BN, Architecture.WRN20_8,
                        Architecture.RESNEXT29_8, Architecture.PYRAMIDNET101_240)
                .flatMap(arch -> Stream.of(TrainingMode.values()).map(mode -> Arguments.of(arch, mode)));
    }

    static ModelSpec tiny(Architecture arch) {
        double width = switch (arch) {
            case WRN20_8 -> 1.0 / 32;
            case RESNEXT29_8, PYRAMIDNET101_240 -> 1.0 / 48;
            default -> 1.0 / 16;
        };
        return new ModelSpec(arch, new InputShape(1, SIZE, SIZE), CLASSES, width, 0.3f, 0.35f);
    }

    @ParameterizedTest
    @MethodSource("backbonesAndModes")
    void matchesTheGraphOnEveryBackboneAndMode(Architecture arch, TrainingMode mode) {
        assertMatchesTheGraph(arch, DistillationConfig.defaults(mode));
    }

    /** BYOT with the exits' ensemble as teacher: the deepest exit distilled too, no hint of its own. */
    @ParameterizedTest
    @MethodSource("backbones")
    void matchesTheGraphWithTheEnsembleTeacher(Architecture arch) {
        assertMatchesTheGraph(arch, new DistillationConfig(TrainingMode.BYOT, 0.3, 0.03, 3.0, 0, DistillationConfig.Teacher.ENSEMBLE));
    }

    /** The light exit heads (average pooling in place of the bottleneck's later steps) on every backbone family. */
    @ParameterizedTest
    @MethodSource("backbones")
    void matchesTheGraphWithLightHeads(Architecture arch) {
        assertMatchesTheGraph(tiny(arch).withHeads(HeadDesign.LIGHT), DistillationConfig.defaults(TrainingMode.BYOT));
    }

    static Stream<Architecture> backbones() {
        return backbonesAndModes().map(a -> (Architecture) a.get()[0]).distinct();
    }

    private static void assertMatchesTheGraph(Architecture arch, DistillationConfig cfg) {
        assertMatchesTheGraph(tiny(arch), cfg);
    }

    private static void assertMatchesTheGraph(ModelSpec spec, DistillationConfig cfg) {
        TrainingMode mode = cfg.mode();
        Architecture arch = spec.architecture();
        MultiExitModel model = MultiExitModel.create(spec, 5);
        calmResidualBranches(model);
        // The eager step first: the graph then rebinds the parameters to its own (equal) copies.
        EagerTrainingStep eager = new EagerTrainingStep(spec, model.parameters(), cfg);
        TrainingGraph graph = new TrainingGraph(spec, model.parameters(), cfg);
        TinyData data = new TinyData(BATCH, CLASSES, 1, SIZE, 9);
        INDArray labels = oneHot(data.labels);
        INDArray teacher = mode == TrainingMode.KD ? teacherLogits() : null;

        ForwardBackward.Pass expected = graph.forwardBackward(data.pixels, labels, 0.3, 0.03, teacher);
        ForwardBackward.Pass actual = eager.forwardBackward(data.pixels, labels, 0.3, 0.03, teacher);

        assertEquals(graph.lossParts(), eager.lossParts());
        for (String part : graph.lossParts()) {
            double want = expected.outputs().get(part).getDouble(0);
            double got = actual.outputs().get(part).getDouble(0);
            assertEquals(want, got, TOLERANCE * Math.max(1, Math.abs(want)), part);
        }
        for (int e = 0; e < 4; e++) {
            INDArray want = expected.outputs().get(Names.logits(e));
            if (want != null) {
                assertClose(want, actual.outputs().get(Names.logits(e)), Names.logits(e));
            }
        }
        assertEquals(new HashSet<>(graph.trainableWeights()), new HashSet<>(eager.trainableWeights()));
        double total = Math.sqrt(graph.trainableWeights().stream()
                .mapToDouble(w -> Math.pow(expected.gradients().get(w).norm2Number().doubleValue(), 2)).sum());
        for (String weight : graph.trainableWeights()) {
            // A shift that only batch norms see downstream has zero gradient in exact arithmetic (PyramidNet's
            // betas); its float value is rounding noise, so no tensor is held to less than 1% of the whole gradient.
            assertClose(expected.gradients().get(weight), actual.gradients().get(weight), 1e-2 * total, "gradient of " + weight);
        }
        List<LayerBuilder.BatchNormTap> taps = eager.batchNormTaps();
        assertEquals(taps.size(), expected.outputs().keySet().stream().filter(k -> k.endsWith("/bn/batch_mean")).count());
        for (LayerBuilder.BatchNormTap tap : taps) {
            // A mean is held to 1e-4 of the channels' spread too: one of a batch norm's output is zero in exact
            // arithmetic and rounding noise in floats.
            double spread = Math.sqrt(expected.outputs().get(tap.batchVariance()).sumNumber().doubleValue());
            assertClose(expected.outputs().get(tap.batchMean()), actual.outputs().get(tap.batchMean()), spread, tap.batchMean());
            assertClose(expected.outputs().get(tap.batchVariance()), actual.outputs().get(tap.batchVariance()), tap.batchVariance());
        }
    }

    @Test
    void teacherTermsAreStopGradient() {
        ModelSpec spec = tiny(Architecture.RESNET18);
        MultiExitModel model = MultiExitModel.create(spec, 3);
        EagerTrainingStep eager = new EagerTrainingStep(spec, model.parameters(), DistillationConfig.defaults(TrainingMode.BYOT));
        TinyData data = new TinyData(BATCH, CLASSES, 1, SIZE, 5);
        INDArray labels = oneHot(data.labels);
        // alpha = 1 zeroes the shallow cross entropy, so shallow gradients come from KL and hint alone.
        Map<String, INDArray> labelsOnly = copies(eager.forwardBackward(data.pixels, labels, 0.0, 0.0, null).gradients());
        Map<String, INDArray> klAndHint = copies(eager.forwardBackward(data.pixels, labels, 1.0, 1.0, null).gradients());
        for (String name : eager.trainableWeights()) {
            if (name.startsWith("section4/") || name.startsWith("exit4/")) {
                assertEquals(labelsOnly.get(name), klAndHint.get(name), "a teacher term leaked into " + name);
            }
        }
        for (int exit = 1; exit <= 3; exit++) {
            String bottleneck = "exit" + exit + "/bottleneck1/w";
            double change = klAndHint.get(bottleneck).sub(labelsOnly.get(bottleneck)).norm2Number().doubleValue();
            assertTrue(change > 0, "distillation gives no gradient to " + bottleneck);
        }
    }

    @Test
    void dropoutDrawsAFreshMaskEveryPass() {
        ModelSpec spec = new ModelSpec(Architecture.WRN20_8, new InputShape(1, SIZE, SIZE), CLASSES, 1.0 / 32, 0.3f, 0.35f, 0.5);
        MultiExitModel model = MultiExitModel.create(spec, 3);
        EagerTrainingStep eager = new EagerTrainingStep(spec, model.parameters(), DistillationConfig.defaults(TrainingMode.BYOT));
        TinyData data = new TinyData(BATCH, CLASSES, 1, SIZE, 5);
        double first = eager.forwardBackward(data.pixels, oneHot(data.labels), 0.3, 0.03, null).outputs().get(Names.TOTAL_LOSS).getDouble(0);
        double second = eager.forwardBackward(data.pixels, oneHot(data.labels), 0.3, 0.03, null).outputs().get(Names.TOTAL_LOSS).getDouble(0);
        assertTrue(Double.isFinite(first) && Double.isFinite(second));
        assertTrue(first != second, "the same loss twice: the dropout mask did not change");
    }

    @Test
    void reusesItsArraysAcrossSteps() {
        ModelSpec spec = tiny(Architecture.RESNET18);
        MultiExitModel model = MultiExitModel.create(spec, 3);
        EagerTrainingStep eager = new EagerTrainingStep(spec, model.parameters(), DistillationConfig.defaults(TrainingMode.BYOT));
        TinyData data = new TinyData(BATCH, CLASSES, 1, SIZE, 5);
        ForwardBackward.Pass first = eager.forwardBackward(data.pixels, oneHot(data.labels), 0.3, 0.03, null);
        INDArray logits = first.outputs().get(Names.logits(0));
        INDArray gradient = first.gradients().get("stem/w");
        ForwardBackward.Pass second = eager.forwardBackward(data.pixels, oneHot(data.labels), 0.3, 0.03, null);
        assertTrue(logits == second.outputs().get(Names.logits(0)), "logits array reallocated");
        assertTrue(gradient == second.gradients().get("stem/w"), "gradient array reallocated");
    }

    /**
     * Scales the batch norm that ends each residual branch to 0.2, as zero-initialised residual branches do.
     * Why: a freshly initialised deep, four-channel-wide batch-norm network is chaotic (gradients explode with
     * depth), so float rounding alone, different in any two correct implementations, grows to 1-5% of
     * ResNet50's shallow gradients; with calm branches both agree to ~1e-6 and a real error would stand out.
     */
    private static void calmResidualBranches(MultiExitModel model) {
        model.parameters().view(Parameters.Kind.WEIGHT).forEach((name, value) -> {
            if (name.matches(".*block\\d+/(conv2|conv3|expand)/bn/gamma")) {
                value.assign(0.2);
            }
        });
    }

    @Test
    void switchesBetweenBatchSizesAndBackWithoutChangingResults() {
        ModelSpec spec = tiny(Architecture.RESNET18);
        MultiExitModel model = MultiExitModel.create(spec, 3);
        EagerTrainingStep eager = new EagerTrainingStep(spec, model.parameters(), DistillationConfig.defaults(TrainingMode.BYOT));
        TinyData data = new TinyData(BATCH, CLASSES, 1, SIZE, 5);
        Map<String, INDArray> first = copies(eager.forwardBackward(data.pixels, oneHot(data.labels), 0.3, 0.03, null).gradients());
        for (int batch : new int[] {4, 3, 2}) { // three other sizes: the first one's arrays are released on the way
            TinyData small = new TinyData(batch, CLASSES, 1, SIZE, 6);
            double loss = eager.forwardBackward(small.pixels, oneHot(small.labels), 0.3, 0.03, null)
                    .outputs().get(Names.TOTAL_LOSS).getDouble(0);
            assertTrue(Double.isFinite(loss));
        }
        Map<String, INDArray> again = copies(eager.forwardBackward(data.pixels, oneHot(data.labels), 0.3, 0.03, null).gradients());
        assertEquals(first, again);
    }

    private static Map<String, INDArray> copies(Map<String, INDArray> arrays) {
        Map<String, INDArray> out = new java.util.HashMap<>();
        arrays.forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertClose(expected, actual, 1e-6, what);
    }

    private static void assertClose(INDArray expected, INDArray actual, double floor, String what) {
        assertNotNull(actual, what + " missing");
        assertArrayEquals(expected.reshape(-1).shape(), actual.reshape(-1).shape(), what);
        double scale = Math.max(expected.norm2Number().doubleValue(), floor);
        double error = expected.reshape(-1).sub(actual.reshape(-1).castTo(expected.dataType())).norm2Number().doubleValue();
        assertTrue(error <= TOLERANCE * scale,
                what + ": |difference| " + error + " vs |expected| " + scale);
    }

    /** Fixed, uneven soft targets for kd mode. */
    private static INDArray teacherLogits() {
        INDArray logits = Nd4j.zeros(BATCH, CLASSES);
        for (int i = 0; i < BATCH; i++) {
            for (int c = 0; c < CLASSES; c++) {
                logits.putScalar(i, c, 0.6 * ((7 * i + 3 * c) % 5));
            }
        }
        return logits;
    }

    static INDArray oneHot(int[] labels) {
        INDArray out = Nd4j.zeros(labels.length, CLASSES);
        for (int i = 0; i < labels.length; i++) {
            out.putScalar(i, labels[i], 1f);
        }
        return out;
    }
}
