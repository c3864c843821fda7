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
        int[] deepest = deepest(model, sent);
        List<Prediction> answers = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            // Events 0-9: the deepest exit right, served wrong; 10-13: served right, the deepest exit wrong; 14-34 both
            // right; 35-37 from a version that cannot be had; 38-39 unlabelled.
            int truth = i >= 10 && i < 14 ? (deepest[i] + 1) % 10 : deepest[i];
            int served = i < 10 ? (deepest[i] + 1) % 10 : truth;
            Integer label = i >= 38 ? null : truth;
            long version = i >= 35 && i < 38 ? 9 : 4;
            answers.add(answer(sent.get(i).id(), served, version, label));
        }
        answers.add(answer("never-sent", 0, 4, 0));

        EarlyExitCost.Result cost = new EarlyExitCost().add(answers, byId(sent), v -> v == 4 ? Optional.of(payload) : Optional.empty()).result();

        assertThat(cost.answers()).isEqualTo(35);
        assertThat(cost.images()).isEqualTo(35);
        assertThat(cost.deepest()).isCloseTo(31 / 35.0, within(1e-12));
        assertThat(cost.served()).isCloseTo(25 / 35.0, within(1e-12));
        assertThat(cost.loss()).isCloseTo(6 / 35.0, within(1e-12));
        // Differences: +1 on 10 answers, -1 on 4, 0 on 21; each image once, so the clustered variance is the plain one
        // with n - 1: sum of squared deviations over n(n - 1).
        double mean = 6 / 35.0;
        double squares = 10 * Math.pow(1 - mean, 2) + 4 * Math.pow(-1 - mean, 2) + 21 * mean * mean;
        assertThat(cost.standardError()).isCloseTo(Math.sqrt(squares / (35.0 * 34)), within(1e-12));
        assertThat(cost.versions()).isEqualTo(1);
        assertThat(cost.unscored()).isEqualTo(4);
        model.release();
    }

    @Test
    void anImageAnsweredInEveryRoundIsOneClusterAndEachRunHasItsOwnVersions() throws Exception {
        // Two runs number their versions alike: run A's version 5 and run B's version 5 are different weights.
        MultiExitModel a = MultiExitModel.create(ModelSpec.fashionMnist(Architecture.RESNET18, 0.0625), 3);
        MultiExitModel b = MultiExitModel.create(ModelSpec.fashionMnist(Architecture.RESNET18, 0.0625), 4);
        a.setVersion(5);
        b.setVersion(5);
        List<ImageEvent> sent = images(30);
        int[] deepestA = deepest(a, sent);
        int[] deepestB = deepest(b, sent);
        List<Prediction> runA = new ArrayList<>();
        List<Prediction> runB = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            // Each run serves its own deepest answer (nothing given up), labelled with run A's.
            runA.add(answer(sent.get(i).id(), deepestA[i], 5, deepestA[i]));
            runB.add(answer(sent.get(i).id(), deepestB[i], 5, deepestA[i]));
        }
        byte[] payloadA = ModelFile.toBytes(a, false);
        byte[] payloadB = ModelFile.toBytes(b, false);

        EarlyExitCost.Result cost = new EarlyExitCost()
                .add(runA, byId(sent), v -> Optional.of(payloadA))
                .add(runB, byId(sent), v -> Optional.of(payloadB))
                .result();

        assertThat(cost.answers()).isEqualTo(60);
        assertThat(cost.images()).isEqualTo(30);
        assertThat(cost.versions()).isEqualTo(2);
        assertThat(cost.loss()).as("each answer scored against its own run's version").isZero();

        // The same answers three times over: the same estimate, and the standard error of 30 images, not of 90 answers.
        List<Prediction> thrice = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            for (int i = 0; i < 30; i++) {
                thrice.add(answer(sent.get(i).id(), i < 6 ? (deepestA[i] + 1) % 10 : deepestA[i], 5, deepestA[i]));
            }
        }
        EarlyExitCost.Result once = new EarlyExitCost().add(thrice.subList(0, 30), byId(sent), v -> Optional.of(payloadA)).result();
        EarlyExitCost.Result repeated = new EarlyExitCost().add(thrice, byId(sent), v -> Optional.of(payloadA)).result();
        assertThat(repeated.loss()).isCloseTo(once.loss(), within(1e-12));
        assertThat(repeated.standardError()).isCloseTo(once.standardError(), within(1e-12));
        a.release();
        b.release();
    }

    @Test
    void withoutLabelledAnswersThereIsNothingToScore() throws Exception {
        EarlyExitCost.Result cost = new EarlyExitCost().add(List.of(), Map.of(), v -> Optional.empty()).result();
        assertThat(cost.answers()).isZero();
        assertThat(cost.loss()).isNaN();
        assertThat(BenchPipelineCommand.costReport(cost)).containsEntry("lossPp", null).containsEntry("answers", 0);
    }

    private static Prediction answer(String id, int served, long version, Integer label) {
        return new Prediction(id, "camera-0", served, 0.9, 1, new double[] {0.9}, version, 0, 1, label);
    }

    private static int[] deepest(MultiExitModel model, List<ImageEvent> images) {
        try (EarlyExitClassifier c = model.snapshot()) {
            return c.deepestLogits(EventTensors.pixels(images)).argMax(1).toIntVector();
        }
    }

    private static Map<String, ImageEvent> byId(List<ImageEvent> events) {
        return events.stream().collect(Collectors.toMap(ImageEvent::id, Function.identity()));
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
