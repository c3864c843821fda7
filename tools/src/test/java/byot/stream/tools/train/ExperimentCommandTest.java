package byot.stream.tools.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.jobs.config.UsageException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code byot experiment} does with the cells directory before any cell trains. */
class ExperimentCommandTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int experiment(String... args) throws Exception {
        ExperimentCommand command = new ExperimentCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return command.run(command.options().parse(args));
    }

    private String[] grid(String seeds) {
        return new String[] {"--archs", "resnet18", "--modes", "byot", "--seeds", seeds, "--epochs", "3", "--width-mult", "0.25",
                "--cells", dir.resolve("cells").toString(), "--table", dir.resolve("table/results.md").toString()};
    }

    private void finishedCell(int seed) throws Exception {
        Map<String, Object> cell = ResultsTableTest.cell("resnet18", 0.25, "byot", seed, 3, 60000, 0.9);
        Files.createDirectories(dir.resolve("cells"));
        new ObjectMapper().writeValue(dir.resolve("cells/resnet18-x0.25-byot-s" + seed + "-e3.json").toFile(), cell);
    }

    @Test
    void aSeedWrittenWithALeadingZeroFindsItsFinishedCell() throws Exception {
        finishedCell(1);
        assertThat(experiment(grid("01"))).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("s1-e3: already done, skipped");
        assertThat(Files.readString(dir.resolve("table/results.md"))).contains("| byot | [1] |");
    }

    @Test
    void aCellFileThatDoesNotParseIsNamedBeforeAnythingTrains() throws Exception {
        finishedCell(0);
        Files.writeString(dir.resolve("cells/resnet18-x0.25-byot-s1-e3.json"), "");
        assertThatThrownBy(() -> experiment(grid("0,1"))).isInstanceOf(UsageException.class)
                .hasMessageContaining("resnet18-x0.25-byot-s1-e3.json").hasMessageContaining("delete it");
        assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("training");
    }

    @Test
    void aSecondGridOnTheSameCellsDirectoryIsRefused() throws Exception {
        finishedCell(0);
        try (FileChannel channel = FileChannel.open(dir.resolve("cells/.experiment.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); var held = channel.lock()) {
            assertThatThrownBy(() -> experiment(grid("0"))).isInstanceOf(UsageException.class)
                    .hasMessageContaining("another byot experiment is running on");
        }
        assertThat(experiment(grid("0"))).as("free again once the first grid ends").isZero();
    }
}
