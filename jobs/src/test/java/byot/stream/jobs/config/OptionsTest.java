package byot.stream.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptionsTest {

    private final Options options = new Options()
            .add("threshold", "0.9", "Early-exit threshold")
            .add("model", null, "Model file")
            .flag("bounded", "Stop at the latest offsets");

    @Test
    void defaultsGivenValuesAndSwitches() {
        Parsed p = options.parse(new String[] {"--model=m.byot", "--bounded"});
        assertThat(p.get("threshold")).isEqualTo("0.9");
        assertThat(p.given("threshold")).isFalse();
        assertThat(p.get("model")).isEqualTo("m.byot");
        assertThat(p.given("model")).isTrue();
        assertThat(p.flag("bounded")).isTrue();
        assertThat(options.parse(new String[] {"--bounded=false"}).flag("bounded")).isFalse();
        assertThat(options.parse(new String[0]).flag("bounded")).isFalse();
    }

    /** Tools append defaults to a user's flags (byot submit); the user's, given later, must win rather than fail. */
    @Test
    void theLastOfARepeatedFlagWins() {
        assertThat(options.parse(new String[] {"--threshold", "0.5", "--threshold=0.7"}).getDouble("threshold")).isEqualTo(0.7);
    }

    @Test
    void anArgumentNamingAFileStaysThatArgument(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("args"), "--threshold 0.1");
        Parsed p = options.parse(new String[] {"--model", "@" + file});
        assertThat(p.get("model")).isEqualTo("@" + file);
        assertThat(p.get("threshold")).isEqualTo("0.9");
    }

    @Test
    void whatFollowsADoubleDashIsPassedOnAndIsNoHelpRequest() {
        String[] args = {"--threshold", "0.8", "--", "--bootstrap-servers", "k:9092", "--help"};
        Options submit = new Options().add("threshold", "0.9", "Early-exit threshold").passOn("The job's own flags");
        assertThat(submit.parse(args).positional()).containsExactly("--bootstrap-servers", "k:9092", "--help");
        assertThat(Options.asksForHelp(args)).isFalse();
        assertThat(Options.asksForHelp(new String[] {"--threshold", "0.8", "-h"})).isTrue();
    }

    /** {@code byot run -- --threshold 0.8} once ran with the default threshold, silently. */
    @Test
    void aCommandThatPassesNothingOnRefusesStrayArguments() {
        assertThatThrownBy(() -> options.parse(new String[] {"--", "--threshold", "0.8"})).isInstanceOf(UsageException.class)
                .hasMessageContaining("no arguments after --");
        assertThatThrownBy(() -> options.parse(new String[] {"model.byot"})).isInstanceOf(UsageException.class)
                .hasMessage("unexpected argument 'model.byot' (see --help)");
    }

    @Test
    void mistakesAreOneLineNamingTheFlag() {
        assertThatThrownBy(() -> options.parse(new String[] {"--no-such"})).isInstanceOf(UsageException.class)
                .hasMessage("unknown option --no-such (see --help)");
        assertThatThrownBy(() -> options.parse(new String[] {"--model"})).isInstanceOf(UsageException.class)
                .hasMessage("option --model needs a value");
        assertThatThrownBy(() -> new Options().required("model", "Model file").parse(new String[0]))
                .isInstanceOf(UsageException.class).hasMessage("missing required option --model (Model file)");
        assertThatThrownBy(() -> options.parse(new String[] {"--threshold", "high"}).getDouble("threshold"))
                .isInstanceOf(UsageException.class).hasMessageContaining("expects a number");
    }
}
