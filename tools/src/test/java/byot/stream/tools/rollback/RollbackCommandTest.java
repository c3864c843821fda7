package byot.stream.tools.rollback;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.broker.EmbeddedKafkaExtension;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import byot.stream.connectors.kafka.LatestModelReader;
import byot.stream.connectors.kafka.TopicAdmin;
import byot.stream.connectors.kafka.TopicSpec;
import byot.stream.connectors.kafka.Topics;
import byot.stream.connectors.signing.ModelKeyFile;
import byot.stream.jobs.adapt.StartingModel;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.CalibratedExits;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.input.InputAlignment;
import byot.stream.model.io.ModelFile;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import byot.stream.tools.Byot;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code byot rollback} against a real broker: version N's weights come back as the newest version, signed, and are
 * what a job resuming from a savepoint is handed (and, being newer, what its learner takes).
 */
class RollbackCommandTest {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    static final ModelSpec SPEC = ModelSpec.fashionMnist(Architecture.RESNET18, 0.0625);

    @TempDir Path dir;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void republishesAnEarlierVersionAsTheNewestSignedOne() throws Exception {
        String topic = "models-rollback";
        TopicAdmin.create(KAFKA.client(), List.of(modelsTopic(topic)));
        ModelKeyFile key = key("model.key", 3);
        ModelUpdateCodec signed = ModelUpdateCodec.signedWith(key);
        List<String> weights = publishVersions(topic, signed, 3);

        assertThat(byot("rollback", "--bootstrap-servers", KAFKA.bootstrapServers(), "--models-topic", topic,
                "--model-key", key.path(), "--version", "1")).as(err.toString()).isZero();

        var newest = new LatestModelReader(KAFKA.client(), signed, Duration.ofSeconds(30)).read(topic);
        assertThat(newest).isInstanceOf(LatestModelReader.Result.Found.class);
        ModelUpdate update = ((LatestModelReader.Result.Found) newest).update();
        assertThat(update.modelVersion()).isEqualTo(4);
        MultiExitModel model = ModelFile.fromBytes(update.payload());
        assertThat(model.version()).isEqualTo(4);
        assertThat(ModelFile.weightsChecksum(model)).isEqualTo(weights.get(0)).isNotEqualTo(weights.get(2));
        // Version 1's calibrated thresholds, trust and input alignment belong to its weights and come back with them.
        assertThat(ModelFile.calibration(update.payload())).get().usingRecursiveComparison().isEqualTo(calibration(1));
        assertThat(ModelFile.inputAlignment(update.payload())).contains(ALIGNMENT);

        // The job resuming from a savepoint with this key is handed version 4; its learner takes it over an older savepoint.
        MultiExitModel configured = MultiExitModel.create(SPEC, 99);
        StartingModel start = StartingModel.forRestore(new StartingModel(ModelFile.toBytes(configured, false), "restoring"), newest);
        assertThat(ModelFile.fromBytes(start.model()).version()).isEqualTo(4);
        assertThat(ModelFile.weightsChecksum(ModelFile.fromBytes(start.model()))).isEqualTo(weights.get(0));
    }

    @Test
    void refusesAVersionThatIsNotThereOrDoesNotVerify() throws Exception {
        String topic = "models-missing";
        TopicAdmin.create(KAFKA.client(), List.of(modelsTopic(topic)));
        ModelKeyFile key = key("model.key", 3);
        publishVersions(topic, ModelUpdateCodec.signedWith(key), 2);

        assertThat(byot("rollback", "--bootstrap-servers", KAFKA.bootstrapServers(), "--models-topic", topic,
                "--model-key", key.path(), "--version", "7")).isNotZero();
        assertThat(err.toString()).contains("no record of model version 7").contains("newest: 2");

        err.reset();
        ModelKeyFile other = key("other.key", 4);
        assertThat(byot("rollback", "--bootstrap-servers", KAFKA.bootstrapServers(), "--models-topic", topic,
                "--model-key", other.path(), "--version", "1")).isNotZero();
        assertThat(err.toString()).contains("no record of model version 1").contains("verify under --model-key");
        assertThat(KAFKA.drain(topic)).as("nothing published").hasSize(2);
    }

    @Test
    void helpNamesTheFlags() {
        assertThat(byot("rollback", "--help")).isZero();
        assertThat(out.toString() + err).contains("--version").contains("--model-key").contains("--models-topic");
    }

    private static final InputAlignment ALIGNMENT = new InputAlignment(List.of(new InputAlignment.Domain(70, 38, 85, 22, 0, 250, 1, 0)));

    /** What a learner would have calibrated for version {@code v}: different for every version. */
    private static CalibratedExits calibration(int v) {
        return new CalibratedExits(ExitCriterion.MAX_SOFTMAX, new double[] {0.9 - 0.01 * v, 0.8, 0.7}, new boolean[] {true, v != 1, true});
    }

    /** Versions 1..n of differently seeded models; returns their weights digests. */
    private List<String> publishVersions(String topic, ModelUpdateCodec codec, int n) throws Exception {
        List<String> weights = new ArrayList<>();
        try (var producer = KAFKA.producer()) {
            for (int v = 1; v <= n; v++) {
                MultiExitModel model = MultiExitModel.create(SPEC, v);
                model.setVersion(v);
                weights.add(ModelFile.weightsChecksum(model));
                byte[] value = codec.encode(new ModelUpdate(v, 1_000L * v, SPEC.summary(),
                        ModelFile.toBytes(model, false, calibration(v), ALIGNMENT)));
                producer.send(new ProducerRecord<>(topic, ByteBuffer.allocate(8).putLong(v).array(), value)).get();
            }
        }
        return weights;
    }

    /** A topic with the models topic's settings (64 MB records) under another name. */
    private static TopicSpec modelsTopic(String name) {
        TopicSpec models = Topics.all(1).stream().filter(t -> t.name().equals(Topics.MODELS)).findFirst().orElseThrow();
        return new TopicSpec(name, 1, models.configs());
    }

    private ModelKeyFile key(String name, long seed) throws Exception {
        byte[] secret = new byte[32];
        new Random(seed).nextBytes(secret);
        return new ModelKeyFile(Files.write(dir.resolve(name), secret).toString());
    }

    private int byot(String... args) {
        return Byot.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }
}
