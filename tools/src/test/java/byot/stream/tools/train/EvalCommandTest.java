package byot.stream.tools.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import byot.stream.connectors.dataset.FashionMnist;
import byot.stream.model.MultiExitModel;
import byot.stream.model.io.ModelFile;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code byot eval} end to end on the installed Fashion-MNIST. */
class EvalCommandTest {

    @Test
    void sweepsThresholdsWithInterleavedTimingAndCalibratesOnAHeldOutHalf(@TempDir Path dir) throws Exception {
        Eval eval = new Eval(dir);
        int rc = eval.run("--limit", "256", "--sweep-thresholds", "0.0,0.5,1.01", "--target-accuracy", "0",
                "--batch-size", "32", "--timing-images", "64", "--timing-rounds", "2");

        assertThat(rc).as(eval.err()).isZero();
        assertThat(eval.err()).contains("round 2/2 done");
        JsonNode json = eval.json();
        assertThat(json.get("timingRounds").asInt()).isEqualTo(2);
        assertThat(json.get("testImages").asInt()).isEqualTo(256);
        JsonNode sweep = json.get("sweep");
        assertThat(sweep).hasSize(3);
        // threshold 0 answers everything at exit 1, above 1 nothing before the deepest exit
        assertThat(sweep.get(0).get("histogram").get(0).asInt()).isEqualTo(256);
        assertThat(sweep.get(2).get("histogram").get(3).asInt()).isEqualTo(256);
        sweep.forEach(s -> assertThat(s.get("speedup").asDouble()).isPositive());
        // any accuracy meets a target of 0, so calibration picks the grid's cheapest policy, scored on the other half
        JsonNode calibrated = json.get("calibrated");
        assertThat(calibrated.get("policy").asText()).isEqualTo("max_softmax[0.5, 0.5, 0.5]");
        int held = 0;
        for (JsonNode n : calibrated.get("histogram")) {
            held += n.asInt();
        }
        assertThat(held).isEqualTo(128);
        assertThat(calibrated.get("imagesPerSecond").asDouble()).isPositive();
    }

    /** The training split scores the training images (the generalisation gap's other half); an unknown split is refused. */
    @Test
    void scoresTheTrainingImagesWhenAskedAndRefusesAnUnknownSplit(@TempDir Path dir) throws Exception {
        Eval eval = new Eval(dir);
        int rc = eval.run("--split", "train", "--limit", "128", "--sweep-thresholds", "0.5", "--batch-size", "32",
                "--timing-images", "32", "--timing-rounds", "1");
        assertThat(rc).as(eval.err()).isZero();
        assertThat(eval.err()).contains("scoring 128 train images");
        JsonNode json = eval.json();
        assertThat(json.get("split").asText()).isEqualTo("train");
        assertThat(json.get("trainImages").asInt()).isEqualTo(128);

        assertThatThrownBy(() -> eval.run("--split", "validation"))
                .hasMessageContaining("--split must be test or train");
    }

    /** {@code byot eval} on a fresh ResNet18 ×0.0625 saved in {@code dir}, its output captured. */
    private static final class Eval {
        private final Path model;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteArrayOutputStream err = new ByteArrayOutputStream();
        private final EvalCommand command = new EvalCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        Eval(Path dir) throws Exception {
            assumeTrue(new FashionMnist(FashionMnist.DEFAULT_DIR).missingFiles().isEmpty(), "dataset-fashion-mnist is not installed");
            model = dir.resolve("m.byot");
            ModelFile.save(MultiExitModel.create(ModelSpec.fashionMnist(Architecture.RESNET18, 0.0625), 0), model, false);
        }

        int run(String... args) throws Exception {
            String[] all = new String[args.length + 2];
            all[0] = "--model";
            all[1] = model.toString();
            System.arraycopy(args, 0, all, 2, args.length);
            return command.run(command.options().parse(all));
        }

        String err() {
            return err.toString(StandardCharsets.UTF_8);
        }

        /** The last line of standard output: the command's JSON summary. */
        JsonNode json() throws Exception {
            return new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8).lines().reduce((a, b) -> b).orElseThrow());
        }
    }
}
