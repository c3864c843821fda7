package byot.stream.tools.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import byot.stream.connectors.dataset.FashionMnist;
import byot.stream.connectors.signing.DetachedSignature;
import byot.stream.connectors.signing.ModelKey;
import byot.stream.tools.Byot;
import byot.stream.model.MultiExitModel;
import byot.stream.model.io.ModelFile;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code byot sign} and {@code byot train --model-key}: how an operator makes a model {@code byot run} accepts. */
class SignCommandTest {
    @TempDir Path dir;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int byot(String... args) {
        return Byot.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private Path key() throws Exception {
        byte[] secret = new byte[32];
        new Random(3).nextBytes(secret);
        return Files.write(dir.resolve("model.key"), secret);
    }

    @Test
    void signsAModelFileAndVerifiesIt() throws Exception {
        Path key = key();
        Path model = dir.resolve("m.byot");
        ModelFile.save(MultiExitModel.create(ModelSpec.fashionMnist(Architecture.RESNET18, 0.0625), 0), model, false);

        assertThat(byot("sign", "--model-key", key.toString(), "--model", model.toString())).as(err.toString()).isZero();
        assertThat(DetachedSignature.readVerified(model, ModelKey.read(key))).isEqualTo(Files.readAllBytes(model));
        assertThat(byot("sign", "--model-key", key.toString(), "--model", model.toString(), "--verify")).isZero();

        Files.write(model, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        assertThat(byot("sign", "--model-key", key.toString(), "--model", model.toString(), "--verify")).isEqualTo(1);
        assertThat(err.toString()).contains("does not match");
    }

    @Test
    void refusesToSignAFileThatIsNotAModelOrAShortKey() throws Exception {
        Path junk = Files.write(dir.resolve("junk.byot"), new byte[100]);
        assertThat(byot("sign", "--model-key", key().toString(), "--model", junk.toString())).isEqualTo(1);
        assertThat(DetachedSignature.pathOf(junk)).doesNotExist();

        Path shortKey = Files.writeString(dir.resolve("short.key"), "hunter2");
        assertThat(byot("sign", "--model-key", shortKey.toString(), "--model", junk.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("at least 32").contains("head -c 32 /dev/urandom");
    }

    @Test
    void trainWithAKeyWritesAVerifyingSignatureAndAShortKeyFailsBeforeTraining() throws Exception {
        Path shortKey = Files.writeString(dir.resolve("short.key"), "hunter2");
        Path refused = dir.resolve("refused.byot");
        assertThat(byot("train", "--model-key", shortKey.toString(), "--out", refused.toString())).isEqualTo(2);
        assertThat(refused).doesNotExist();

        assumeTrue(new FashionMnist(FashionMnist.DEFAULT_DIR).missingFiles().isEmpty(), "dataset-fashion-mnist is not installed");
        Path key = key();
        Path model = dir.resolve("trained.byot");
        assertThat(byot("train", "--width-mult", "0.0625", "--epochs", "1", "--limit", "64", "--test-limit", "64",
                "--batch-size", "32", "--model-key", key.toString(), "--out", model.toString())).as(err.toString()).isZero();
        assertThat(DetachedSignature.readVerified(model, ModelKey.read(key))).isEqualTo(Files.readAllBytes(model));
    }
}
