package byot.stream.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import byot.stream.connectors.dataset.FashionMnist;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code byot bench pipeline} end to end at a small scale (embedded broker, MiniCluster, a small fresh model): the
 * figures must describe the product, where labelled events arrive and the learner trains while latency is measured.
 */
class BenchPipelineCommandITCase {

    @Test
    @Timeout(600)
    void everyPhaseSendsTheDemosMixSoTheLearnerTrainsWhileLatencyIsMeasured(@TempDir Path dir) throws Exception {
        assumeTrue(new FashionMnist(FashionMnist.DEFAULT_DIR).missingFiles().isEmpty(), "dataset-fashion-mnist is not installed");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        BenchPipelineCommand bench = new BenchPipelineCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        // No --labeled-fraction: the default is what is under test.
        int rc = bench.run(bench.options().parse(new String[] {"--width-mult", "0.0625", "--events", "320",
            "--latency-events", "480", "--train-events", "32", "--rounds", "1", "--warmup-max-seconds", "1",
            "--checkpoint-dir", dir.toString()}));

        assertThat(rc).as(err.toString(StandardCharsets.UTF_8)).isZero();
        String stdout = out.toString(StandardCharsets.UTF_8);
        JsonNode json = new ObjectMapper().readTree(stdout.lines().reduce((a, b) -> b).orElseThrow());
        assertThat(json.get("command").asText()).startsWith("./byot bench pipeline").contains("--rounds 1");
        assertThat(json.get("labeledFraction").asDouble()).isEqualTo(0.3);
        JsonNode half = json.get("latencyAtHalfLoad");
        assertThat(half.get("labeledFraction").asDouble()).isBetween(0.25, 0.35);
        // 480 events, about 144 labelled, 16 per step: the learner stepped during the latency phase.
        assertThat(half.get("learnerSteps").asLong()).isPositive();
        // At the maximum rate inference takes every core and the learner, at nice 19, only what is left: a fresh job's
        // first step (which makes its oneDNN primitives) may not end within a round this short, so only its presence.
        assertThat(json.get("learnerStepsPerSecondAtMax").asDouble()).isNotNegative();

        // A one-second limit: whole chunks of warm-up (of --events each) ran before the rounds, and chunks at half load
        // before the measured half-load events, whose answers are kept out of the measured figures.
        int warmUpEvents = json.get("warmUp").get("events").asInt();
        assertThat(warmUpEvents).isPositive();
        assertThat(warmUpEvents % 320).isZero();
        JsonNode halfWarmUp = half.get("warmUp");
        assertThat(halfWarmUp.get("events").asInt()).isPositive();
        assertThat(halfWarmUp.get("p99Ms").asLong()).isPositive();
        assertThat(half.get("p99Ms").asLong()).isPositive();

        // No --threshold given: the measured phases serve what the warm-up's learner calibrated, if it published any.
        assertThat(json.get("thresholds")).hasSize(3);
        assertThat(json.get("startVersion").asLong()).isNotNegative();   // the warm-up's newest version, or the initial one
        assertThat(json.get("thresholdsFrom").asText()).matches("configured|calibrated by the learner during the warm-up \\(version \\d+\\)");

        JsonNode versus = json.get("earlyExitVsFullDepth");
        assertThat(versus.get("rounds").asInt()).isEqualTo(1);
        assertThat(versus.get("earlyExitEventsPerSecond")).hasSize(1);
        assertThat(versus.get("fullDepthEventsPerSecond").get(0).asLong()).isPositive();
        assertThat(versus.get("fullDepthMeanExitDepth").asDouble()).isEqualTo(4.0);
        assertThat(versus.get("medianRatio").asDouble()).isPositive();
    }
}
