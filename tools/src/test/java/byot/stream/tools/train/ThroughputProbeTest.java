package byot.stream.tools.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.model.MultiExitModel;
import byot.stream.model.data.ImageArrays;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.exit.ExitPolicy;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ThroughputProbeTest {

    private static final ModelSpec SPEC = ModelSpec.fashionMnist(Architecture.RESNET18, 0.0625);

    private static ImageArrays images(int n) {
        byte[] pixels = new byte[n * 28 * 28];
        new SplittableRandom(3).nextBytes(pixels);
        return new ImageArrays(pixels, new int[n], SPEC.input(), 10);
    }

    @ParameterizedTest(name = "regroup survivors: {0}")
    @ValueSource(booleans = {false, true})
    void timesEveryPolicyInEveryRoundAndReportsMedians(boolean regroup) {
        EarlyExitClassifier classifier = MultiExitModel.create(SPEC, 0).snapshot();
        List<ExitPolicy> policies = List.of(
                ExitPolicy.uniform(ExitCriterion.MAX_SOFTMAX, 0.0, 4),    // everything leaves at exit 1
                ExitPolicy.uniform(ExitCriterion.MAX_SOFTMAX, 1.01, 4));  // nothing leaves before the last exit
        List<Integer> rounds = new ArrayList<>();

        ThroughputProbe.Timings t = new ThroughputProbe(images(40), 16, 40, regroup).compare(classifier, policies, 3, rounds::add);

        assertThat(rounds).containsExactly(1, 2, 3);
        assertThat(t.imagesPerPass()).isEqualTo(32);   // whole batches only
        assertThat(t.rates()).hasSize(2);
        assertThat(t.speedups()).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(t.rates()[i]).isPositive().isFinite();
            assertThat(t.speedups()[i]).isPositive().isFinite();
        }
        assertThat(t.fullDepthRate()).isPositive().isFinite();
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(ThroughputProbe.median(new double[] {5, 1, 3})).isEqualTo(3);
        assertThat(ThroughputProbe.median(new double[] {4, 1, 3, 100})).isEqualTo(3.5);
    }

    @Test
    void refusesTooFewImagesOrRounds() {
        assertThatThrownBy(() -> new ThroughputProbe(images(10), 16, 10, false)).hasMessageContaining("at least one batch of 16");
        ThroughputProbe probe = new ThroughputProbe(images(16), 16, 16, false);
        assertThatThrownBy(() -> probe.compare(MultiExitModel.create(SPEC, 0).snapshot(), List.of(), 0, r -> { }))
                .hasMessageContaining("at least one timing round");
    }
}
