package byot.stream.tools;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.tools.cli.Command;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** User mistakes end in one line and a non-zero exit, never a stack trace. */
class ByotTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Byot.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsEveryCommand() {
        assertThat(run("--help")).isZero();
        for (Command c : Byot.commands()) {
            assertThat(out.toString(StandardCharsets.UTF_8)).contains(c.name());
        }
    }

    /** The README's table of commands is where a newcomer looks first; a command missing there is one nobody finds. */
    @Test
    void theReadmeTableNamesEveryCommand() throws java.io.IOException {
        java.util.List<String> rows = Files.readAllLines(Path.of("../README.md")).stream().filter(l -> l.startsWith("| `")).toList();
        for (Command c : Byot.commands()) {
            String[] words = c.name().split(" ");
            String group = words.length > 1 ? "| `" + words[0] + " " : "| ";
            assertThat(rows).as(c.name()).anyMatch(row -> row.contains("`" + c.name() + "`")
                    || row.startsWith(group) && row.contains("`" + words[words.length - 1] + "`"));
        }
    }

    @Test
    void everyCommandHasHelp() {
        for (Command c : Byot.commands()) {
            out.reset();
            String[] words = (c.name() + " --help").split(" ");
            assertThat(run(words)).as(c.name()).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: byot " + c.name()).contains("--help");
        }
    }

    /** byot cluster --help, byot bench -h: the group's first word lists its subcommands, as kubectl and git do. */
    @Test
    void everyCommandGroupListsItsSubcommands() {
        for (String first : Byot.commands().stream().map(Command::name).filter(n -> n.contains(" "))
                .map(n -> n.split(" ")[0]).distinct().toList()) {
            for (String help : new String[] {"--help", "-h"}) {
                out.reset();
                assertThat(run(first, help)).as(first + " " + help).isZero();
                String listing = out.toString(StandardCharsets.UTF_8);
                assertThat(listing).startsWith("Usage: byot " + first + " <subcommand>");
                Byot.commands().stream().map(Command::name).filter(n -> n.startsWith(first + " "))
                        .forEach(n -> assertThat(listing).contains(n));
            }
        }
        out.reset();
        assertThat(run("cluster")).as("a bare group word is incomplete").isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("cluster start").contains("cluster stop-job");
        assertThat(run("cluster", "frobnicate")).isEqualTo(2);
        assertThat(err()).contains("unknown command 'cluster frobnicate' (see byot cluster --help)");
    }

    /** A place train cannot write its model is found before the epochs, not after them. */
    @Test
    void trainRefusesAnOutputItCannotWriteBeforeTraining(@TempDir Path dir) {
        assertThat(run("train", "--out", dir.toString(), "--epochs", "1")).isEqualTo(2);
        assertThat(err()).contains("--out " + dir + " is a directory").doesNotContain("loading");
    }

    /** Checked before the work they configure: a bad count must not cost a model load, a data load or a trained cell. */
    @Test
    void countsAndListsAreCheckedBeforeAnyWork(@TempDir Path dir) {
        assertThat(run("eval", "--model", dir.resolve("absent.byot").toString(), "--batch-size", "0")).isEqualTo(2);
        assertThat(err()).contains("option --batch-size must be at least 1, got 0").doesNotContain("not found");
        err.reset();
        assertThat(run("experiment", "--seeds", "0,x", "--cells", dir.toString(), "--table", dir.resolve("t.md").toString()))
                .isEqualTo(2);
        assertThat(err()).contains("--seeds expects comma-separated integers, got '0,x'");
        assertThat(dir.resolve("t.md")).doesNotExist();
        err.reset();
        assertThat(run("bench", "model", "--train-batches", "64,0")).isEqualTo(2);
        assertThat(err()).contains("--train-batches takes batch sizes of at least 1");
        err.reset();
        assertThat(run("train", "-epochs", "5")).isEqualTo(2);
        assertThat(err().strip()).isEqualTo("byot train: unknown option -epochs (see --help)");
    }

    @Test
    void switchesShowWhatTheyTakeInHelp() {
        assertThat(run("run", "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--bounded[=true|false]").doesNotContain("PARAM");
    }

    @Test
    void unknownCommandAndUnknownFlagAreOneLineErrors() {
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(err()).contains("unknown command 'frobnicate'");
        err.reset();
        assertThat(run("train", "--no-such-flag", "1")).isEqualTo(2);
        assertThat(err().strip()).isEqualTo("byot train: unknown option --no-such-flag (see --help)");
    }

    @Test
    void malformedValuesAndMissingRequiredFlagsAreNamed() {
        assertThat(run("train", "--epochs", "three")).isEqualTo(2);
        assertThat(err()).contains("--epochs expects an integer, got 'three'").doesNotContain("\tat ");
        err.reset();
        assertThat(run("eval")).isEqualTo(2);
        assertThat(err()).contains("missing required option --model");
        err.reset();
        assertThat(run("topics", "create", "--partitions")).isEqualTo(2);
        assertThat(err()).contains("option --partitions needs a value");
        err.reset();
        assertThat(run("train", "--epochs=")).isEqualTo(2);
        err.reset();
        assertThat(run("bench", "soak", "--live-heap-seconds", "0")).isEqualTo(2);
        assertThat(err()).contains("--live-heap-seconds must be > 0");
    }

    @Test
    void missingOrCorruptModelFileIsOneLine(@TempDir Path dir) throws Exception {
        assertThat(run("eval", "--model", dir.resolve("nope.byot").toString())).isEqualTo(1);
        assertThat(err()).contains("file not found").contains("nope.byot").doesNotContain("\tat ");
        err.reset();
        Path junk = Files.writeString(dir.resolve("junk.byot"), "not a model file at all, but long enough to look like one");
        assertThat(run("eval", "--model", junk.toString())).isEqualTo(1);
        assertThat(err()).contains("bad magic").doesNotContain("\tat ");
    }

    @Test
    void unknownArchitectureAndModeAreExplained() {
        assertThat(run("train", "--arch", "alexnet")).isEqualTo(2);
        assertThat(err()).contains("--arch").contains("got alexnet").contains("resnet18");
        err.reset();
        assertThat(run("run", "--mode", "kd")).isEqualTo(2);
        assertThat(err()).contains("--mode").contains("got kd").contains("byot, deepsup, baseline");
    }
}
