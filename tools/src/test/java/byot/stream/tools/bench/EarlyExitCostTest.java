package byot.stream.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.PixelEncoding;
import byot.stream.connectors.format.Prediction;
import byot.stream.jobs.operators.EventTensors;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.io.ModelFile;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Early exit's cost is read pairwise: each answer against its own version's deepest exit on the same image. */
class EarlyExitCostTest {

    @Test
    void answersAreScoredAgainstTheDeepestExitOfTheVersionThatGaveThem() throws Exception {
        MultiExitModel model = MultiExitModel.create(ModelSpec.fashionMnist(Architecture.RESNET18, 0.0625), 3);
        model.setVersion(4);
        byte[] payload = ModelFile.toBytes(model, false);
        List<ImageEvent> sent = images(40);
        int[] deepest;
        try (EarlyExitClassifier c = model.snapshot()) {
            deepest = c.deepestLogits(EventTensors.pixels(sent)).argMax(1).toIntVector();
        }
        List<Prediction> answers = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            // Labelled with the deepest exit's answer, so it is always right; 10 answers were served wrong,
            // 2 right ones are unlabelled and 3 come from a version that cannot be had.
            int served = i < 10 ? (deepest[i] + 1) % 10 : deepest[i];
            Integer label = i >= 38 ? null : deepest[i];
            long version = i >= 35 && i < 38 ? 9 : 4;
            answers.add(new Prediction(sent.get(i).id(), "camera-0", served, 0.9, 1, new double[] {0.9}, version, i, 1, label));
        }
        answers.add(new Prediction("never-sent", "camera-0", 0, 0.9, 1, new double[] {0.9}, 4, 0, 1, 0));
        Map<String, ImageEvent> byId = sent.stream().collect(Collectors.toMap(ImageEvent::id, Function.identity()));

        EarlyExitCost.Result cost = EarlyExitCost.of(answers, byId, v -> v == 4 ? Optional.of(payload) : Optional.empty());

        assertThat(cost.answers()).isEqualTo(35);
        assertThat(cost.deepest()).isEqualTo(1.0);
        assertThat(cost.served()).isCloseTo(25 / 35.0, within(1e-12));
        assertThat(cost.loss()).isCloseTo(10 / 35.0, within(1e-12));
        double p = 10 / 35.0;
        assertThat(cost.standardError()).isCloseTo(Math.sqrt((p - p * p) / 35), within(1e-12));
        assertThat(cost.versions()).isEqualTo(1);
        assertThat(cost.unscored()).isEqualTo(4);
        model.release();
    }

    @Test
    void withoutLabelledAnswersThereIsNothingToScore() throws Exception {
        EarlyExitCost.Result cost = EarlyExitCost.of(List.of(), Map.of(), v -> Optional.empty());
        assertThat(cost.answers()).isZero();
        assertThat(cost.loss()).isNaN();
        assertThat(BenchPipelineCommand.costReport(cost)).containsEntry("lossPp", null).containsEntry("answers", 0);
    }

    private static List<ImageEvent> images(int n) {
        SplittableRandom random = new SplittableRandom(7);
        List<ImageEvent> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] pixels = new byte[28 * 28];
            for (int j = 0; j < pixels.length; j++) {
                pixels[j] = (byte) random.nextInt(256);
            }
            out.add(new ImageEvent("e-" + i, 0, "camera-0", ImageEvent.UNLABELED, 28, 28, 1, PixelEncoding.RAW_UINT8, pixels));
        }
        return out;
    }
}
