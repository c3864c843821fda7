package byot.stream.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.jobs.config.UsageException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PretrainSettingsTest {

    private static PretrainSettings parse(String... flags) {
        return PretrainSettings.from(new DemoCommand().options().parse(flags));
    }

    @Test
    void everyPretrainingFlagChangesTheCacheFile() {
        List<String[]> variants = List.of(new String[0],
                new String[] {"--pretrain-images", "20000"},
                new String[] {"--pretrain-epochs", "3"},
                new String[] {"--pretrain-batch-size", "64"},
                new String[] {"--pretrain-lr", "0.05"},
                new String[] {"--pretrain-seed", "7"},
                new String[] {"--width-mult", "0.125"},
                new String[] {"--arch", "vgg19bn"});
        Set<String> names = new HashSet<>();
        List<String> all = new ArrayList<>();
        for (String[] flags : variants) {
            String name = parse(flags).cacheFileName();
            names.add(name);
            all.add(name);
        }
        assertThat(names).as("cache files %s", all).hasSize(variants.size());
    }

    @Test
    void theSameSettingsFindTheSameFile() {
        assertThat(parse("--pretrain-lr", "0.10").cacheFileName()).isEqualTo(parse("--pretrain-lr", "0.1").cacheFileName());
        assertThat(parse().cacheFileName()).startsWith("pretrained-resnet18-x0.25-").endsWith("-s0.byot");
    }

    @Test
    void theStreamSeedKeepsTheCachedModel() {
        // An ablation over --seed replays and fine-tunes differently on the same pre-trained model.
        assertThat(parse("--seed", "2").cacheFileName()).isEqualTo(parse().cacheFileName());
        assertThat(parse("--seed", "2").seed()).isZero();
    }

    @Test
    void theRecipeIsPartOfTheName() {
        PretrainSettings s = parse();
        PretrainSettings other = new PretrainSettings(s.arch(), s.widthMult(), s.images(), s.epochs(), s.batchSize(),
                s.learningRate(), s.seed(), "step-nocrop-byot");
        assertThat(other.cacheFileName()).isNotEqualTo(s.cacheFileName());
    }

    @Test
    void refusesToPretrainOnTheHeldOutImages() {
        assertThatThrownBy(() -> parse("--pretrain-images", String.valueOf(PretrainSettings.HELD_OUT_FROM + 1)))
                .isInstanceOf(UsageException.class).hasMessageContaining("held out");
        assertThat(parse("--pretrain-images", String.valueOf(PretrainSettings.HELD_OUT_FROM)).images())
                .isEqualTo(PretrainSettings.HELD_OUT_FROM);
        assertThatThrownBy(() -> parse("--pretrain-lr", "0")).isInstanceOf(UsageException.class);
    }
}
