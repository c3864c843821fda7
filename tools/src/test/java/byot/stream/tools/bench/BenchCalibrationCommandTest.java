package byot.stream.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import byot.stream.jobs.config.UsageException;
import byot.stream.model.MultiExitModel;
import byot.stream.model.eval.ExitScores;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.eval.EarlyExitOutcome;
import byot.stream.model.exit.ExitCalibrator;
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

class BenchCalibrationCommandTest {

    @TempDir
    Path dir;

    /** Two exits, three samples: exit 1 sure and right, sure and wrong, unsure; the deepest exit always right. */
    private static ExitScores scores() {
        float[][][] probs = {
            {{0.9f, 0.1f}, {0.95f, 0.05f}, {0.6f, 0.4f}},
            {{0.7f, 0.3f}, {0.2f, 0.8f}, {0.3f, 0.7f}},
        };
        return new ExitScores(probs, new int[] {0, 1, 1}, new long[] {10, 40});
    }

    @Test
    void servingCountsEachSampleAtTheFirstTrustedExitItPasses() {
        EarlyExitOutcome trusted = scores().simulate(BenchCalibrationCommand.served(ExitCriterion.MAX_SOFTMAX,
                new ExitCalibrator.Result(new double[] {0.8}, new boolean[] {true})));
        assertThat(trusted.accuracy()).isCloseTo(2 / 3.0, within(1e-9));   // the second sample leaves early and wrong
        assertThat(trusted.macsPerSample()).isCloseTo((10 + 10 + 40) / 3.0, within(1e-9));
        EarlyExitOutcome distrusted = scores().simulate(BenchCalibrationCommand.served(ExitCriterion.MAX_SOFTMAX,
                new ExitCalibrator.Result(new double[] {0.8}, new boolean[] {false})));
        assertThat(distrusted.accuracy()).isEqualTo(1.0);
        assertThat(distrusted.macsPerSample()).isEqualTo(40.0);
    }

    @Test
    void reportsEveryMarginOnHeldOutImagesWithTheCommand() throws Exception {
        Path model = dir.resolve("tiny.byot");
        ModelFile.save(MultiExitModel.create(ModelSpec.fashionMnist(Architecture.RESNET18, 0.0625), 3), model, false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        BenchCalibrationCommand command = new BenchCalibrationCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        int rc = command.run(command.options().parse(new String[] {"--model", model.toString(), "--margins", "0,2",
                "--repeats", "3", "--exit-calibration-window", "300"}));

        assertThat(rc).isZero();
        JsonNode result = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(result.get("images").asInt()).isEqualTo(10_000);
        assertThat(result.get("perMargin").fieldNames()).toIterable().containsExactly("0.0", "2.0");
        for (JsonNode row : result.get("perMargin")) {
            assertThat(row.get("windowsOverTolerance").asDouble()).isBetween(0.0, 1.0);
            assertThat(row.get("macSpeedUpMedian").asDouble()).isGreaterThan(0.0);
            assertThat(row.get("heldOutLossPpMax").asDouble()).isGreaterThanOrEqualTo(row.get("heldOutLossPpMedian").asDouble());
        }
        assertThat(result.get("command").asText()).startsWith("./byot bench calibration --model " + model)
                .contains("--exit-calibration-window 300", "--margins 0,2", "--repeats 3");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("margin 2.00: held-out loss median");
    }

    @Test
    void refusesAWindowThatLeavesNothingHeldOut() throws Exception {
        Path model = dir.resolve("tiny.byot");
        ModelFile.save(MultiExitModel.create(ModelSpec.fashionMnist(Architecture.RESNET18, 0.0625), 3), model, false);
        BenchCalibrationCommand command = new BenchCalibrationCommand();
        assertThatThrownBy(() -> command.run(command.options().parse(new String[] {"--model", model.toString(),
                "--exit-calibration-window", "10000"})))
                .isInstanceOf(UsageException.class).hasMessageContaining("held-out");
    }
}
