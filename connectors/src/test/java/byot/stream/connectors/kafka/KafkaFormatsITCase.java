package byot.stream.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import byot.stream.connectors.broker.EmbeddedKafkaExtension;
import byot.stream.connectors.dataset.ImageShape;
import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.JsonCodec;
import byot.stream.connectors.format.MalformedRecordException;
import byot.stream.connectors.format.MalformedRecordException.Reason;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import byot.stream.connectors.format.PixelEncoding;
import byot.stream.connectors.format.Prediction;
import byot.stream.connectors.signing.ModelKeyFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class KafkaFormatsITCase {
    @RegisterExtension static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final ImageLimits FASHION = ImageLimits.DEFAULT.withNumClasses(10)
            .withExpectedShape(new ImageShape(1, 28, 28)).withMaxPixelBytes(784);

    @BeforeAll
    static void topics() throws Exception {
        TopicAdmin.createAll(KAFKA.bootstrapServers(), 2);
    }

    @Test
    void createAllIsIdempotentAndSizesTheModelsTopic() throws Exception {
        assertThat(TopicAdmin.createAll(KAFKA.bootstrapServers(), 2)).isEmpty();
        try (Admin admin = Admin.create(KAFKA.client().toProperties())) {
            ConfigResource models = new ConfigResource(ConfigResource.Type.TOPIC, Topics.MODELS);
            Config config = admin.describeConfigs(List.of(models)).all().get().get(models);
            assertThat(config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value()).isEqualTo(String.valueOf(64 << 20));
            // Bounded: a new multi-MB version every few seconds must not fill the disk under the 7-day default.
            assertThat(config.get(TopicConfig.RETENTION_BYTES_CONFIG).value()).isEqualTo(String.valueOf(1L << 30));
            assertThat(config.get(TopicConfig.RETENTION_MS_CONFIG).value()).as("no time limit: the newest version must survive a quiet day").isEqualTo("-1");
            // Retention deletes closed segments only: they must close (by size or age) and hold a largest record.
            long segmentBytes = Long.parseLong(config.get(TopicConfig.SEGMENT_BYTES_CONFIG).value());
            assertThat(segmentBytes).isGreaterThanOrEqualTo(64 << 20).isLessThan(1L << 30);
            assertThat(config.get(TopicConfig.SEGMENT_MS_CONFIG).value()).isEqualTo(String.valueOf(3600L * 1000));
            var descriptions = admin.describeTopics(List.of(Topics.IMAGES, Topics.MODELS)).allTopicNames().get();
            assertThat(descriptions.get(Topics.IMAGES).partitions()).hasSize(2);
            assertThat(descriptions.get(Topics.MODELS).partitions()).hasSize(1);
        }
    }

    @Test
    void deserializerTurnsBadRecordsIntoDistinctDeadLetters() throws Exception {
        ImageEventCodec writer = new ImageEventCodec(ImageLimits.DEFAULT);
        byte[] good = writer.encode(image("good", 28, 28, 1));
        byte[] truncated = Arrays.copyOf(good, good.length - 10);
        byte[] oversized = writer.encode(image("big", 64, 64, 1));
        byte[] wrongMagic = "{\"json\": \"not an image\"}".getBytes(StandardCharsets.UTF_8);
        byte[] wrongShape = writer.encode(image("small", 14, 14, 1));
        KAFKA.createTopics("images-poison");
        KAFKA.send("images-poison", good, truncated, oversized, wrongMagic, wrongShape, new byte[0]);

        ImageEventDeserializer deserializer = new ImageEventDeserializer(FASHION);
        List<Decoded> out = new ArrayList<>();
        ListCollector<Decoded> collector = new ListCollector<>(out);
        for (ConsumerRecord<byte[], byte[]> r : KAFKA.drain("images-poison")) {
            deserializer.deserialize(r, collector);
        }

        assertThat(out).hasSize(6);
        assertThat(out.get(0).isOk()).isTrue();
        assertThat(out.get(0).event().id()).isEqualTo("good");
        List<DeadLetter> dead = out.stream().skip(1).map(Decoded::deadLetter).toList();
        assertThat(dead).extracting(DeadLetter::reason).containsExactly(Reason.TRUNCATED, Reason.OVERSIZED,
                Reason.BAD_MAGIC, Reason.BAD_SHAPE, Reason.EMPTY);
        assertThat(dead).extracting(DeadLetter::offset).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(dead).allSatisfy(d -> assertThat(d.topic()).isEqualTo("images-poison"));
        assertThat(dead.get(0).original()).isEqualTo(truncated);

        // The dead letters travel on as JSON: their original bytes come back exactly.
        JsonCodec<DeadLetter> json = JsonCodec.deadLetters();
        try (KafkaProducer<byte[], byte[]> producer = KAFKA.producer()) {
            for (DeadLetter d : dead) {
                producer.send(JsonRecordSerializer.deadLetters(Topics.DEAD_LETTER).serialize(d, null, null));
            }
        }
        List<DeadLetter> back = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : KAFKA.drain(Topics.DEAD_LETTER)) {
            back.add(json.decode(r.value()));
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("images-poison");
        }
        assertThat(back).usingRecursiveFieldByFieldElementComparator().containsExactlyInAnyOrderElementsOf(dead);
    }

    @Test
    void eightMegabyteModelUpdatePassesAndAFlippedByteIsRejected() throws Exception {
        byte[] payload = new byte[8 << 20];
        new Random(1).nextBytes(payload);
        ModelUpdate update = new ModelUpdate(3, 1_700_000_000_000L, "multi-exit cnn, 4 exits", payload);
        ModelUpdateSerializer serializer = new ModelUpdateSerializer(Topics.MODELS, new ModelUpdateCodec());
        ProducerRecord<byte[], byte[]> record = serializer.serialize(update, null, null);
        byte[] flipped = record.value().clone();
        flipped[flipped.length / 2] ^= 0x10;
        KAFKA.send(Topics.MODELS, record.value(), flipped);

        List<ConsumerRecord<byte[], byte[]>> records = KAFKA.drain(Topics.MODELS);
        assertThat(records).hasSize(2);
        ModelUpdateCodec codec = new ModelUpdateCodec();
        ModelUpdate decoded = codec.decode(records.get(0).value());
        assertThat(decoded.payload()).isEqualTo(payload);
        assertThat(decoded.modelVersion()).isEqualTo(3);
        MalformedRecordException rejected = assertThrows(MalformedRecordException.class,
                () -> codec.decode(records.get(1).value()));
        assertThat(rejected.reason()).isEqualTo(Reason.BAD_CHECKSUM);
    }

    @Test
    void theModelsSinkSignsWithAKeyAndAKeyedReaderRefusesWhatItDidNotSign(@TempDir Path dir) throws Exception {
        ModelKeyFile key = new ModelKeyFile(Files.write(dir.resolve("model.key"), new byte[48]).toString());
        ModelUpdate update = new ModelUpdate(21, 1_700_000_000_000L, "multi-exit cnn, 4 exits", new byte[100_000]);
        byte[] signedValue = KafkaEndpoints.modelsSerializer("models-signed", Optional.of(key))
                .serialize(update, null, null).value();
        byte[] unsignedValue = KafkaEndpoints.modelsSerializer("models-signed", Optional.empty())
                .serialize(update, null, null).value();
        KAFKA.createTopics("models-signed");
        KAFKA.send("models-signed", signedValue, unsignedValue);

        List<ConsumerRecord<byte[], byte[]>> records = KAFKA.drain("models-signed");
        ModelUpdateCodec keyed = ModelUpdateCodec.signedWith(key);
        assertThat(keyed.decode(records.get(0).value()).modelVersion()).isEqualTo(21);
        MalformedRecordException refused = assertThrows(MalformedRecordException.class,
                () -> keyed.decode(records.get(1).value()));
        assertThat(refused.reason()).isEqualTo(Reason.UNSIGNED);
        assertThat(new ModelUpdateCodec().decode(records.get(0).value()).modelVersion()).isEqualTo(21);
    }

    /**
     * A models topic made earlier with the broker's defaults (a producer's auto-creation) keeps them when the
     * pipeline's topics are created: it is named as unfit, with what to change, instead of passing as "exists".
     */
    @Test
    void existingTopicsWithBrokerDefaultsAreNamedAsUnfit() throws Exception {
        TopicAdmin.create(KAFKA.client(), List.of(new TopicSpec("models-defaults", 2, Map.of()), new TopicSpec("models-fit", 1,
                Map.of("max.message.bytes", String.valueOf(Topics.MODELS_MAX_MESSAGE_BYTES)))));
        Map<String, String> modelsConfigs = Topics.all(1).stream().filter(t -> t.name().equals(Topics.MODELS))
                .findFirst().orElseThrow().configs();

        List<String> unfit = TopicAdmin.unfit(KAFKA.client(), List.of(new TopicSpec("models-defaults", 1, modelsConfigs),
                new TopicSpec("models-fit", 1, modelsConfigs)));

        assertThat(unfit).hasSize(2).allMatch(p -> p.startsWith("models-defaults "));
        assertThat(unfit).anyMatch(p -> p.contains("has 2 partitions where its readers need 1"))
                .anyMatch(p -> p.contains("max.message.bytes=" + Topics.MODELS_MAX_MESSAGE_BYTES));
    }

    /** A ResNet18 of {@code --width-mult 1} is about 45 MB: more than a producer's default 32 MiB buffer.memory. */
    @Test
    void aFortyFiveMegabyteModelPassesThroughTheModelsProducerConfig() throws Exception {
        byte[] payload = new byte[45 << 20];
        new Random(2).nextBytes(payload);
        ModelUpdate update = new ModelUpdate(11, 1_700_000_000_000L, "resnet18 x1", payload);
        // A topic of its own, created with the settings of models, so the other tests' records stay apart.
        TopicSpec models = Topics.all(1).stream().filter(t -> t.name().equals(Topics.MODELS)).findFirst().orElseThrow();
        TopicAdmin.create(KAFKA.client(), List.of(new TopicSpec("models-large", 1, models.configs())));
        ProducerRecord<byte[], byte[]> record = new ModelUpdateSerializer("models-large", new ModelUpdateCodec())
                .serialize(update, null, null);
        Map<String, String> config = new java.util.HashMap<>(KafkaEndpoints.modelsProducerDefaults());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KAFKA.client().toProperties(config),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(record).get(60, TimeUnit.SECONDS);
        }

        List<ConsumerRecord<byte[], byte[]>> records = KAFKA.drain("models-large");
        assertThat(records).hasSize(1);
        ModelUpdate back = new ModelUpdateCodec().decode(records.get(0).value());
        assertThat(back.modelVersion()).isEqualTo(11);
        assertThat(back.sha256Hex()).isEqualTo(update.sha256Hex());
    }

    @Test
    void predictionsAreKeyedBySourceId() throws Exception {
        Prediction p = new Prediction("i", "camera-7", 1, 0.9, 1, new double[] {0.9}, 1, 2, 3, null);
        ProducerRecord<byte[], byte[]> r = JsonRecordSerializer.predictions(Topics.PREDICTIONS).serialize(p, null, 42L);
        assertThat(r.topic()).isEqualTo(Topics.PREDICTIONS);
        assertThat(r.timestamp()).isEqualTo(42L);
        assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("camera-7");
        assertThat(JsonCodec.predictions().decode(r.value())).usingRecursiveComparison().isEqualTo(p);
    }

    @Test
    void clientPropertiesPassThroughExtrasLast() {
        KafkaClientProperties client = KafkaClientProperties.of("h:1").with(Map.of("security.protocol", "SASL_SSL",
                "linger.ms", "50"));
        var props = client.toProperties(Map.of("linger.ms", "5", "acks", "all"));
        assertThat(props).containsEntry("bootstrap.servers", "h:1").containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("linger.ms", "50").containsEntry("acks", "all");
    }

    private static ImageEvent image(String id, int h, int w, int c) {
        return new ImageEvent(id, 1, "s", 2, h, w, c, PixelEncoding.RAW_UINT8, new byte[h * w * c]);
    }
}
