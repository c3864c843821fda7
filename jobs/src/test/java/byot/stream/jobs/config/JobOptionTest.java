package byot.stream.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/** One declaration per option: the flag, the Flink ConfigOption, the default, the help and the check. */
class JobOptionTest {

    private static final JobOption<Double> THRESHOLD = JobOption.number("threshold", 0.9, "Early-exit threshold")
            .require(v -> v >= 0 && v <= 1, "in [0, 1]");
    private static final JobOption<String> MODEL = JobOption.text("model", null, "Model file");
    private static final JobOption<Boolean> BOUNDED = JobOption.toggle("bounded", "Stop at the latest offsets");
    private static final JobOption<Integer> BATCH = JobOption.integer("batch", 16, "Batch size").require(v -> v > 0, "at least 1");

    private final Options options = new Options().add(THRESHOLD).add(MODEL).add(BOUNDED).add(BATCH);

    @Test
    void aFlagIsTheConfigOptionWithoutItsPrefix() {
        assertThat(THRESHOLD.key()).isEqualTo("byot.threshold");
        assertThat(THRESHOLD.option().defaultValue()).isEqualTo(0.9);
        Configuration c = options.parse(new String[] {"--threshold", "0.5", "--model=m.byot", "--bounded"}).configuration();
        assertThat(c.get(THRESHOLD.option())).isEqualTo(0.5);
        assertThat(MODEL.optional(c)).contains("m.byot");
        assertThat(BOUNDED.get(c)).isTrue();
        assertThat(BATCH.get(c)).isEqualTo(16);
    }

    /** Defaults are not copied in, so a reader can tell an option someone set from one left at its default. */
    @Test
    void onlyWhatWasSetLandsInTheConfiguration() {
        Configuration c = options.parse(new String[0]).configuration();
        assertThat(c.toMap()).isEmpty();
        assertThat(THRESHOLD.get(c)).isEqualTo(0.9);
        assertThat(MODEL.optional(c)).isEmpty();
        assertThat(BOUNDED.get(c)).isFalse();
        assertThatThrownBy(() -> MODEL.get(c)).isInstanceOf(UsageException.class)
                .hasMessage("option --model (byot.model) is required here");
    }

    @Test
    void aCommandsOwnDefaultCountsAsSetAndAGivenFlagWinsOverTheBase() {
        Options changed = new Options().add(THRESHOLD).add(MODEL).withDefault("threshold", "0.6");
        Configuration cluster = new Configuration();
        cluster.setString("byot.model", "cluster.byot");
        cluster.setString("byot.threshold", "0.3");
        Configuration c = changed.parse(new String[] {"--model", "given.byot"}).configuration(cluster);
        assertThat(MODEL.get(c)).isEqualTo("given.byot");
        assertThat(THRESHOLD.get(c)).isEqualTo(0.6);
    }

    @Test
    void badValuesAreOneLineErrorsNamingFlagAndKey() {
        assertThatThrownBy(() -> options.parse(new String[] {"--threshold", "high"}).configuration())
                .isInstanceOf(UsageException.class).hasMessage("option --threshold (byot.threshold) expects a number, got 'high'");
        assertThatThrownBy(() -> options.parse(new String[] {"--threshold", "1.5"}).configuration())
                .isInstanceOf(UsageException.class).hasMessage("option --threshold (byot.threshold) must be in [0, 1], got 1.5");
        assertThatThrownBy(() -> options.parse(new String[] {"--threshold", "NaN"}).configuration())
                .isInstanceOf(UsageException.class).hasMessageContaining("must be in [0, 1], got NaN");
        assertThatThrownBy(() -> options.parse(new String[] {"--batch", "0"}).configuration())
                .isInstanceOf(UsageException.class).hasMessage("option --batch (byot.batch) must be at least 1, got 0");
    }

    /** Accepted in any case, so every reader must see one spelling: "OWN" once passed the check and then meant "task". */
    @Test
    void aChoiceIsReadBackInLowerCaseHoweverItWasTyped() {
        JobOption<String> thread = JobOption.choice("swap-thread", "own", "Where swaps run", "own", "task");
        Options withChoice = new Options().add(thread);
        assertThat(thread.get(withChoice.parse(new String[] {"--swap-thread", "TASK"}).configuration())).isEqualTo("task");
        assertThat(thread.get(withChoice.parse(new String[] {"--swap-thread", "Own"}).configuration())).isEqualTo("own");
        assertThat(thread.get(withChoice.parse(new String[0]).configuration())).isEqualTo("own");
        assertThatThrownBy(() -> thread.get(withChoice.parse(new String[] {"--swap-thread", "both"}).configuration()))
                .isInstanceOf(UsageException.class).hasMessageContaining("must be one of own, task, got both");
        assertThat(thread.require(v -> true, "anything").get(withChoice.parse(new String[] {"--swap-thread", "TASK"})
                .configuration())).as("a further requirement keeps the spelling").isEqualTo("task");
    }

    @Test
    void helpShowsTheDeclaredDefaultAndWhatIsAccepted() {
        String help = new Options().add(THRESHOLD).add(JobOption.number("weight-decay", 5e-4, "Weight decay"))
                .usage("run", "Run it");
        assertThat(help).contains("Early-exit threshold; in [0, 1] (default: 0.9)").contains("Weight decay (default: 0.0005)");
    }
}
