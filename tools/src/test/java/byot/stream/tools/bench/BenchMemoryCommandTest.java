package byot.stream.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.jobs.config.UsageException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchMemoryCommandTest {

    @Test
    void samplesEveryNStepsAndTheLastAndReportsGrowthAfterTheWarmUpWithTheCommand() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        BenchMemoryCommand command = new BenchMemoryCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        int rc = command.run(command.options().parse(new String[] {"--width-mult", "0.0625", "--steps", "7",
                "--batches", "4,3", "--sample-every", "3", "--warmup-steps", "2", "--unlabelled-share", "0.5"}));

        assertThat(rc).isZero();
        JsonNode result = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        List<Integer> steps = new ArrayList<>();
        result.get("samples").forEach(s -> steps.add(s.get("step").asInt()));
        assertThat(steps).containsExactly(3, 6, 7);
        for (JsonNode s : result.get("samples")) {
            assertThat(s.get("residentMb").asDouble()).isPositive();
            assertThat(s.get("offHeapMb").asDouble()).isPositive();
            assertThat(s.get("stepsPerSecond").asDouble()).isPositive();
        }
        assertThat(result.get("growthMbPer1000StepsAfterWarmup").fieldNames()).toIterable()
                .containsExactly("offHeapMb", "residentMb", "heapMb");
        assertThat(result.get("command").asText()).startsWith("./byot bench memory --arch resnet18 --width-mult 0.0625")
                .contains("--steps 7", "--batches 4,3", "--unlabelled-share 0.5");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("step     7/7: off-heap");
    }

    @Test
    void growthIsTheLeastSquaresSlopePerThousandSteps() {
        List<Map<String, Object>> samples = new ArrayList<>();
        for (int step = 100; step <= 1000; step += 100) {
            // 3 MB per 1,000 steps plus noise that averages out: +0.2 and -0.2 MB alternately.
            samples.add(Map.of("step", step, "residentMb", 400 + 0.003 * step + (step % 200 == 0 ? 0.2 : -0.2)));
        }
        assertThat(BenchMemoryCommand.slopePer1000(samples, "residentMb")).isBetween(2.5, 3.5);
        assertThat(BenchMemoryCommand.slopePer1000(samples.subList(0, 1), "residentMb")).isZero();
    }

    @Test
    void refusesAWarmUpThatCoversTheWholeRun() {
        BenchMemoryCommand command = new BenchMemoryCommand();
        assertThatThrownBy(() -> command.run(command.options().parse(new String[] {"--steps", "10", "--warmup-steps", "10"})))
                .isInstanceOf(UsageException.class).hasMessageContaining("--warmup-steps");
    }
}
