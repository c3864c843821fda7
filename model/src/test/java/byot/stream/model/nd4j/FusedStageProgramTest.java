package byot.stream.model.nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.model.MultiExitModel;
import byot.stream.model.graph.InferenceGraph;
import byot.stream.model.graph.Names;
import byot.stream.model.network.MultiExitNetwork;
import byot.stream.model.onednn.OneDnn;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.HeadDesign;
import byot.stream.model.spec.InputShape;
import byot.stream.model.spec.ModelSpec;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every backbone's stages with convolutions on oneDNN (their ReLUs and residual adds fused in) give what the
 * same stages give op by op on libnd4j's kernels, which {@code Nd4jInternalsTest} holds to SameDiff itself.
 */
class FusedStageProgramTest {

    /** ResNeXt's grouped convolutions split their input, which stage programs leave to SameDiff: no stage to compare. */
    @ParameterizedTest
    @EnumSource(value = Architecture.class, names = "RESNEXT29_8", mode = EnumSource.Mode.EXCLUDE)
    void fusedStagesAnswerAsTheGraphDoes(Architecture arch) {
        double width = switch (arch) {
            case WRN20_8, WRN44_8 -> 1.0 / 32;
            case WRN28_12, RESNEXT29_8, PYRAMIDNET101_240 -> 1.0 / 48;
            default -> 1.0 / 16;
        };
        assertFusedStagesAnswerAsTheGraphDoes(new ModelSpec(arch, new InputShape(1, 28, 28), 5, width, 0.3f, 0.35f));
    }

    /** The light exit heads' average pooling sits between fused convolutions. */
    @ParameterizedTest
    @EnumSource(value = Architecture.class, names = {"RESNET18", "VGG19_BN", "PYRAMIDNET101_240"})
    void fusedStagesWithLightHeadsAnswerAsTheGraphDoes(Architecture arch) {
        double width = arch == Architecture.PYRAMIDNET101_240 ? 1.0 / 48 : 1.0 / 16;
        assertFusedStagesAnswerAsTheGraphDoes(new ModelSpec(arch, new InputShape(1, 28, 28), 5, width, 0.3f, 0.35f)
                .withHeads(HeadDesign.LIGHT));
    }

    private static void assertFusedStagesAnswerAsTheGraphDoes(ModelSpec spec) {
        Architecture arch = spec.architecture();
        OneDnn onednn = OneDnn.openOrNull("this test's convolutions");
        assertThat(onednn).isNotNull();
        int compared = 0;
        try (InferenceGraph graph = MultiExitNetwork.inference(spec, MultiExitModel.create(spec, 3).parameters())) {
            long[] shape = graph.sameDiff(0).getVariable(Names.sectionInput(0)).placeholderShape().clone();
            INDArray[] inputs = new INDArray[2];
            for (int i = 0; i < inputs.length; i++) {
                shape[0] = i == 0 ? 1 : 5;
                inputs[i] = Nd4j.rand(DataType.FLOAT, shape).muli(255);
            }
            for (int s = 0; s < graph.stages(); s++) {
                if (!graph.runsOpByOp(s)) {
                    continue; // grouped convolutions (ResNeXt) split their input: SameDiff runs those stages
                }
                compared++;
                SameDiff sd = graph.sameDiff(s);
                List<String> outputs = List.of(Names.sectionOutput(s), Names.logits(s), Names.probabilities(s));
                try (StageProgram plain = new StageProgram(sd, Names.sectionInput(s), null);
                     StageProgram fused = new StageProgram(sd, Names.sectionInput(s), onednn)) {
                    assertThat(plain.fusesConvolutions()).isFalse();
                    assertThat(fused.fusesConvolutions()).as("stage %d of %s runs its convolutions on oneDNN", s, arch).isTrue();
                    for (int i = 0; i < inputs.length; i++) {
                        INDArray[] expected = plain.run(inputs[i], outputs);
                        INDArray[] actual = fused.run(inputs[i], outputs);
                        for (int k = 0; k < outputs.size(); k++) {
                            assertThat(actual[k].shape()).isEqualTo(expected[k].shape());
                            double scale = Math.max(1e-3, expected[k].amaxNumber().doubleValue());
                            assertThat(expected[k].sub(actual[k]).amaxNumber().doubleValue() / scale)
                                    .as("%s stage %d %s", arch, s, outputs.get(k)).isLessThan(1e-4);
                        }
                        inputs[i] = expected[0];
                    }
                }
            }
        }
        assertThat(compared).as("stages of %s compared", arch).isPositive();
    }

    @Test
    void aRecycledOutputIsWhereTheNextCallWritesAndAViewIsNotTaken() {
        ModelSpec spec = new ModelSpec(Architecture.RESNET18, new InputShape(1, 16, 16), 4, 1.0 / 16, 0.3f, 0.35f);
        try (InferenceGraph graph = MultiExitNetwork.inference(spec, MultiExitModel.create(spec, 1).parameters());
             StageProgram program = new StageProgram(graph.sameDiff(1), Names.sectionInput(1))) {
            long[] shape = graph.sameDiff(1).getVariable(Names.sectionInput(1)).placeholderShape().clone();
            shape[0] = 6;
            INDArray x = Nd4j.rand(DataType.FLOAT, shape);
            List<String> out = List.of(Names.sectionOutput(1));
            INDArray first = program.run(x, out)[0];
            INDArray expected = first.dup();
            program.recycle(first);
            // Recycled outputs come back as the stage's working arrays: calls stop allocating, whatever op takes them.
            java.util.Set<Long> addresses = new java.util.HashSet<>();
            INDArray second = null;
            for (int i = 0; i < 20; i++) {
                second = program.run(x, out)[0];
                assertThat(second).isEqualTo(expected);
                addresses.add(second.data().address());
                if (i < 19) {
                    program.recycle(second);
                }
            }
            assertThat(addresses).as("output arrays over 20 recycled calls").hasSizeLessThanOrEqualTo(3);
            long address = second.data().address();
            INDArray view = Nd4j.create(DataType.FLOAT, 12, second.size(1), second.size(2), second.size(3))
                    .get(org.nd4j.linalg.indexing.NDArrayIndex.interval(6, 12));
            program.recycle(view);
            program.recycle(second);
            INDArray borrowed = program.borrow(second.shape());
            assertThat(borrowed.data().address()).isEqualTo(address);
            assertThat(borrowed.isView()).isFalse();
        }
    }

    /** Small batches run on one OpenMP thread; the calling thread's own count is back afterwards, even on failure. */
    @Test
    void aSmallBatchLeavesTheCallingThreadsOpenMpCountAsItWas() {
        ModelSpec spec = new ModelSpec(Architecture.RESNET18, new InputShape(1, 16, 16), 4, 1.0 / 16, 0.3f, 0.35f);
        int before = byot.stream.model.runtime.OpenMpThreads.ofCallingThread();
        byot.stream.model.runtime.OpenMpThreads.limitCallingThread(2);
        try (InferenceGraph graph = MultiExitNetwork.inference(spec, MultiExitModel.create(spec, 1).parameters());
             StageProgram program = new StageProgram(graph.sameDiff(0), Names.sectionInput(0))) {
            long[] shape = graph.sameDiff(0).getVariable(Names.sectionInput(0)).placeholderShape().clone();
            for (int batch : new int[] {1, StageProgram.SINGLE_THREAD_BELOW - 1, StageProgram.SINGLE_THREAD_BELOW}) {
                shape[0] = batch;
                program.run(Nd4j.rand(DataType.FLOAT, shape), List.of(Names.logits(0)));
                assertThat(byot.stream.model.runtime.OpenMpThreads.ofCallingThread()).isEqualTo(2);
            }
            INDArray wrong = Nd4j.rand(DataType.FLOAT, 2, 3, 5, 5);
            assertThatThrownBy(() -> program.run(wrong, List.of(Names.logits(0)))).isInstanceOf(RuntimeException.class);
            assertThat(byot.stream.model.runtime.OpenMpThreads.ofCallingThread()).isEqualTo(2);
        } finally {
            byot.stream.model.runtime.OpenMpThreads.limitCallingThread(before);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Architecture.class, names = {"RESNET18", "VGG19_BN"})
    void aConvolutionsFusedAwayOutputCannotBeAskedFor(Architecture arch) {
        ModelSpec spec = new ModelSpec(arch, new InputShape(1, 16, 16), 4, 1.0 / 16, 0.3f, 0.35f);
        OneDnn onednn = OneDnn.openOrNull("this test's convolutions");
        try (InferenceGraph graph = MultiExitNetwork.inference(spec, MultiExitModel.create(spec, 1).parameters());
             StageProgram fused = new StageProgram(graph.sameDiff(0), Names.sectionInput(0), onednn)) {
            SameDiff sd = graph.sameDiff(0);
            DifferentialFunction conv = Arrays.stream(sd.ops()).filter(f -> f.opName().equals("conv2d")).findFirst().orElseThrow();
            String convOutput = sd.getOutputsForOp(conv)[0];
            long[] shape = sd.getVariable(Names.sectionInput(0)).placeholderShape().clone();
            shape[0] = 2;
            INDArray x = Nd4j.rand(DataType.FLOAT, shape);
            assertThatThrownBy(() -> fused.run(x, List.of(convOutput)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fused").hasMessageContaining("nd4j");
        }
    }
}
