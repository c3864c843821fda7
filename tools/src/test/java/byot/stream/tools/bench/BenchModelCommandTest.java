package byot.stream.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchModelCommandTest {

    @Test
    void timesEachEngineAndTheReferenceInRoundsAndReportsTheRatioAndTheCommand(@TempDir Path dir) throws Exception {
        // A stand-in for the PyTorch script: prints what train_step.py prints, a fixed rate.
        Path fake = dir.resolve("fake_torch.sh");
        Files.writeString(fake, "echo '{\"imagesPerSecond\": 1000.0}'\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BenchModelCommand command = new BenchModelCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        int rc = command.run(command.options().parse(new String[] {"--width-mult", "0.0625", "--train-batches", "4",
                "--modes", "byot", "--steps", "1", "--rounds", "2", "--engines", "graph,eager", "--infer-batches", "",
                "--pytorch", fake.toString(), "--python", "/bin/sh", "--profile-steps", "1"}));

        String json = out.toString(StandardCharsets.UTF_8);
        assertThat(rc).isZero();
        assertThat(json).contains("\"byot@4/graph\":", "\"byot@4/eager\":", "\"byot@4/pytorch\":1000.0",
                "\"byot@4/eager vs pytorch\":", "\"byot@4/graph vs pytorch\":", "\"eagerProfileMsPerStep\":{\"total\":",
                "conv3x3 bwd", "\"command\":\"./byot bench model --arch resnet18 --width-mult 0.0625 --heads bottleneck --seed 0 --train-batches 4",
                "--engines graph,eager --rounds 2 --pytorch " + fake);
        // The empty value is a choice (no inference timed): spelled out, or a rerun would time the default batches.
        assertThat(json).contains("--infer-batches \\\"\\\"");
        // Each round's figure beside the median: the spread is part of the result.
        assertThat(json).contains("\"trainImagesPerSecondByRound\":{\"byot@4/graph\":[", "\"byot@4/pytorch\":[1000.0,1000.0]");
    }

    /** The per-exit inference rows (batch 1 and 64) force every sample out at one exit, whatever its confidence. */
    @Test
    void aForcedExitLeavesAtItsExitAndNoEarlier() {
        float[] unsure = {0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f};
        for (int depth = 1; depth <= 4; depth++) {
            var policy = BenchModelCommand.forcedExit(depth, 4);
            for (int exit = 0; exit < 3; exit++) {
                assertThat(policy.exitsAt(exit, unsure)).as("depth %d, exit %d", depth, exit + 1).isEqualTo(exit == depth - 1);
            }
        }
    }
}
