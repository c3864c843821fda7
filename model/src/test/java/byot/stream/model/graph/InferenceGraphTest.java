package byot.stream.model.graph;

import byot.stream.model.network.MultiExitNetwork;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import byot.stream.model.MultiExitModel;
import byot.stream.model.TinyData;
import byot.stream.model.TrainedTinyModel;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.InputShape;
import byot.stream.model.spec.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

class InferenceGraphTest {

    /**
     * With every running statistic set to the batch statistics the training graph computes for one batch, the
     * folded NHWC inference path must reproduce the training graph's (NCHW, batch-norm as written out) forward
     * pass on that batch: convolutions, grouped convolutions, pooling, channel padding and standalone batch norm
     * all follow the layout.
     */
    @ParameterizedTest
    @EnumSource(Architecture.class)
    void inferencePathEqualsTheTrainingForwardPass(Architecture arch) {
        MultiExitModel model = arch == Architecture.RESNET18 ? TrainedTinyModel.make(4, 3) : MultiExitModel.create(tiny(arch), 3);
        Parameters params = model.parameters();
        INDArray pixels = new TinyData(12, 4, 1, 16, 9).pixels;
        BuiltGraph training = MultiExitNetwork.training(model.spec(), params);
        List<String> wanted = new ArrayList<>();
        for (int e = 0; e < 4; e++) {
            wanted.add(Names.probabilities(e));
            wanted.add(Names.logits(e));
        }
        for (LayerBuilder.BatchNormTap tap : training.batchNormTaps()) {
            wanted.add(tap.batchMean());
            wanted.add(tap.batchVariance());
        }
        Map<String, INDArray> out = training.sameDiff().output(Map.of(Names.INPUT, pixels), wanted.toArray(String[]::new));
        for (LayerBuilder.BatchNormTap tap : training.batchNormTaps()) {
            params.put(Parameters.Kind.RUNNING_STAT, tap.layer() + "/bn/mean", out.get(tap.batchMean()).dup());
            params.put(Parameters.Kind.RUNNING_STAT, tap.layer() + "/bn/var", out.get(tap.batchVariance()).dup());
        }
        EarlyExitClassifier classifier = model.snapshot();
        INDArray[] probs = classifier.allExits(pixels);
        // Folding batch norm into the weights rounds differently, and these tiny nets normalise 2-4 channels by
        // the statistics of 12 images; through 50-150 layers that adds up to ~1e-4. A wrong layout is off by ~0.1.
        double tolerance = arch == Architecture.RESNET18 ? 1e-5 : 1e-3;
        for (int e = 0; e < 4; e++) {
            INDArray expected = out.get(Names.probabilities(e));
            double diff = expected.sub(probs[e]).amaxNumber().doubleValue();
            assertTrue(diff < tolerance, arch + " exit " + (e + 1) + " differs by " + diff);
        }
        INDArray logits = out.get(Names.logits(3));
        double logitDiff = logits.sub(classifier.deepestLogits(pixels)).amaxNumber().doubleValue();
        assertTrue(logitDiff < 10 * tolerance * Math.max(1, logits.amaxNumber().doubleValue()),
                arch + " deepest logits differ by " + logitDiff);
    }

    /** The op-by-op runner gives SameDiff's own results for every stage, output and batch size. */
    @ParameterizedTest
    @EnumSource(Architecture.class)
    void stagesRunAsSameDiffWould(Architecture arch) {
        ModelSpec spec = tiny(arch);
        InferenceGraph graph = MultiExitNetwork.inference(spec, MultiExitModel.create(spec, 1).parameters());
        for (int s = 0; s < graph.stages(); s++) {
            if (arch != Architecture.RESNEXT29_8) {
                assertTrue(graph.runsOpByOp(s), arch + " stage " + s);
            }
            SameDiff sd = graph.sameDiff(s);
            String input = Names.sectionInput(s);
            String[] outputs = s < graph.stages() - 1
                    ? new String[] {Names.probabilities(s), Names.sectionOutput(s), Names.logits(s)}
                    : new String[] {Names.probabilities(s), Names.logits(s)};
            for (int batch : new int[] {1, 5, 2, 5}) {
                long[] shape = sd.getVariable(input).placeholderShape().clone();
                shape[0] = batch;
                INDArray x = Nd4j.rand(shape).muli(s == 0 ? 255 : 2);
                Map<String, INDArray> expected = sd.output(Map.of(input, x), outputs);
                INDArray[] actual = graph.run(s, x, outputs);
                for (int k = 0; k < outputs.length; k++) {
                    assertArrayEquals(expected.get(outputs[k]).shape(), actual[k].shape(), outputs[k]);
                    assertEquals(0.0, expected.get(outputs[k]).sub(actual[k]).amaxNumber().doubleValue(), 1e-6,
                            arch + " stage " + s + " " + outputs[k] + " at batch " + batch);
                }
            }
        }
    }

    /** A stage with an op the op-by-op runner lacks still runs, through SameDiff, and says so once, with the op. */
    @Test
    void aStageTheRunnerCannotRunFallsBackToSameDiffWithAWarning() {
        SameDiff sd = SameDiff.create();
        sd.math().tanh("y", sd.placeHolder(Names.INPUT, DataType.FLOAT, -1, 3));
        List<LogEvent> warnings = new CopyOnWriteArrayList<>();
        Logger logger = (Logger) LogManager.getLogger(InferenceGraph.class);
        AbstractAppender appender = new AbstractAppender("fallback-capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                warnings.add(event.toImmutable());
            }
        };
        appender.start();
        logger.addAppender(appender);
        try {
            InferenceGraph graph = new InferenceGraph(List.of(sd), new long[] {0}, new long[] {0});
            assertFalse(graph.runsOpByOp(0));
            assertTrue(graph.fallbackReason(0).orElseThrow().contains("tanh"), graph.fallbackReason(0).orElseThrow());
            assertEquals(1, warnings.size(), "one warning per graph: " + warnings);
            assertEquals(Level.WARN, warnings.get(0).getLevel());
            String message = warnings.get(0).getMessage().getFormattedMessage();
            assertTrue(message.contains("stage 0") && message.contains("tanh"), message);
            INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3);
            assertEquals(Transforms.tanh(x, true), graph.run(0, x, "y")[0]);

            ModelSpec spec = tiny(Architecture.RESNET18);
            InferenceGraph supported = MultiExitNetwork.inference(spec, MultiExitModel.create(spec, 1).parameters());
            for (int s = 0; s < supported.stages(); s++) {
                assertTrue(supported.fallbackReason(s).isEmpty(), "stage " + s);
            }
            assertEquals(1, warnings.size(), "no warning for a graph that runs op by op: " + warnings);
        } finally {
            logger.removeAppender(appender);
            appender.stop();
        }
    }

    /** A few channels per layer, 1x16x16 images. */
    private static ModelSpec tiny(Architecture arch) {
        double width = switch (arch) {
            case WRN20_8, WRN44_8 -> 1.0 / 32;
            case WRN28_12, RESNEXT29_8, PYRAMIDNET101_240 -> 1.0 / 48;
            default -> 1.0 / 16;
        };
        return new ModelSpec(arch, new InputShape(1, 16, 16), 4, width, 0.3f, 0.35f);
    }

    /** Arrays handed to the caller are the caller's: later calls, which reuse pooled arrays, leave them alone. */
    @Test
    void laterCallsDoNotOverwriteEarlierResults() {
        InferenceGraph graph = MultiExitNetwork.inference(TrainedTinyModel.SPEC, MultiExitModel.create(TrainedTinyModel.SPEC, 2).parameters());
        INDArray a = new TinyData(6, 4, 1, 16, 1).pixels;
        INDArray b = new TinyData(6, 4, 1, 16, 2).pixels;
        INDArray[] first = graph.run(0, a, Names.probabilities(0), Names.sectionOutput(0));
        INDArray[] copies = {first[0].dup(), first[1].dup()};
        for (int i = 0; i < 3; i++) {
            graph.run(0, b, Names.probabilities(0), Names.sectionOutput(0));
            graph.run(0, b, Names.sectionOutput(0));
        }
        assertEquals(copies[0], first[0]);
        assertEquals(copies[1], first[1]);
        INDArray[] again = graph.run(0, a, Names.probabilities(0), Names.sectionOutput(0));
        assertEquals(copies[0], again[0]);
        assertEquals(copies[1], again[1]);
    }
}
