package byot.stream.jobs.adapt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.connectors.signing.DetachedSignature;
import byot.stream.connectors.signing.ModelKey;
import byot.stream.connectors.signing.ModelKeyFile;
import byot.stream.model.MultiExitModel;
import byot.stream.model.io.ModelFile;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --model-key}: the job signs its models topic, and starts only from an initial model signed with the key. */
class SignedInitialModelTest {
    @TempDir Path dir;
    private Path model;
    private Path key;

    @BeforeEach
    void files() throws Exception {
        model = dir.resolve("model.byot");
        ModelFile.save(MultiExitModel.create(ModelSpec.fashionMnist(Architecture.RESNET18, 0.0625), 4), model, false);
        byte[] secret = new byte[32];
        new Random(1).nextBytes(secret);
        key = Files.write(dir.resolve("model.key"), secret);
    }

    private static String weights(byte[] modelBytes) throws IOException {
        return ModelFile.weightsChecksum(ModelFile.fromBytes(modelBytes));
    }

    private static Configuration args(String... args) {
        return AdaptOptions.declare().parse(args).configuration();
    }

    @Test
    void withoutAKeyAnUnsignedModelLoadsAndNothingIsSigned() throws Exception {
        Configuration a = args("--initial-model", model.toString());
        assertThat(weights(AdaptJob.initialModel(a))).isEqualTo(ModelFile.weightsChecksum(ModelFile.load(model)));
        assertThat(AdaptOptions.settings(a).modelKey()).isEmpty();
    }

    @Test
    void withAKeyTheSignedModelLoadsAndTheModelsTopicIsSigned() throws Exception {
        DetachedSignature.sign(model, ModelKey.read(key));
        Configuration a = args("--initial-model", model.toString(), "--model-key", key.toString());
        assertThat(weights(AdaptJob.initialModel(a))).isEqualTo(ModelFile.weightsChecksum(ModelFile.load(model)));
        assertThat(AdaptOptions.settings(a).modelKey()).contains(new ModelKeyFile(key.toString()));
    }

    @Test
    void withAKeyAnUnsignedOrAlteredOrOtherwiseSignedModelIsRefused() throws Exception {
        Configuration a = args("--initial-model", model.toString(), "--model-key", key.toString());
        assertThatThrownBy(() -> AdaptJob.initialModel(a)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("model.byot.sig").hasMessageContaining("byot sign");

        byte[] other = new byte[32];
        new Random(2).nextBytes(other);
        DetachedSignature.sign(model, ModelKey.of(other));
        assertThatThrownBy(() -> AdaptJob.initialModel(a)).isInstanceOf(IOException.class)
                .hasMessageContaining("does not match");

        DetachedSignature.sign(model, ModelKey.read(key));
        byte[] bytes = Files.readAllBytes(model);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(model, bytes);
        assertThatThrownBy(() -> AdaptJob.initialModel(a)).isInstanceOf(IOException.class)
                .hasMessageContaining("does not match");
    }

    @Test
    void aShortOrMissingKeyFailsAtSubmission() throws Exception {
        Path shortKey = Files.writeString(dir.resolve("short.key"), "secret");
        assertThatThrownBy(() -> AdaptOptions.settings(args("--model-key", shortKey.toString())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 32");
        assertThatThrownBy(() -> AdaptOptions.settings(args("--model-key", dir.resolve("absent.key").toString())))
                .isInstanceOf(NoSuchFileException.class);
    }
}
