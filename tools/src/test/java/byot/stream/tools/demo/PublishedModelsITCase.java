package byot.stream.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.broker.EmbeddedKafkaExtension;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PublishedModelsITCase {
    @RegisterExtension static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final ModelUpdateCodec CODEC = new ModelUpdateCodec();

    private static PublishedModels models() {
        return new PublishedModels(KAFKA.client(), CODEC, Duration.ofSeconds(20));
    }

    @Test
    void keepsTheVersionsAskedForAndTheNewestAndSkipsWhatDoesNotDecode() throws Exception {
        KAFKA.createTopics("models-line");
        byte[] corrupt = CODEC.encode(update(4));
        corrupt[corrupt.length - 1] ^= 1;
        KAFKA.send("models-line", CODEC.encode(update(1)), CODEC.encode(update(2)), CODEC.encode(update(3)), corrupt);

        PublishedModels.Found found = models().read("models-line", Set.of(2L, 9L));

        assertThat(found.wanted()).containsOnlyKeys(2L);
        assertThat(found.wanted().get(2L).payload()).isEqualTo(update(2).payload());
        assertThat(found.newest()).hasValueSatisfying(u -> assertThat(u.modelVersion()).isEqualTo(3));
        assertThat(found.undecodable()).isEqualTo(1);
    }

    @Test
    void readsOnlyCommittedUpdates() throws Exception {
        KAFKA.createTopics("models-tx");
        try (var producer = new KafkaProducer<>(KAFKA.client().toProperties(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "published-models-it", ProducerConfig.ACKS_CONFIG, "all")),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("models-tx", CODEC.encode(update(5))));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("models-tx", CODEC.encode(update(6))));
            producer.flush();
            producer.abortTransaction();
        }

        PublishedModels.Found found = models().read("models-tx", Set.of(5L, 6L));

        assertThat(found.wanted()).containsOnlyKeys(5L);
        assertThat(found.newest()).hasValueSatisfying(u -> assertThat(u.modelVersion()).isEqualTo(5));
    }

    @Test
    void anEmptyTopicHoldsNoModel() throws Exception {
        KAFKA.createTopics("models-empty");
        PublishedModels.Found found = models().read("models-empty", Set.of(1L));
        assertThat(found.wanted()).isEmpty();
        assertThat(found.newest()).isEmpty();
    }

    private static ModelUpdate update(long version) {
        byte[] payload = new byte[1000];
        Arrays.fill(payload, (byte) version);
        return new ModelUpdate(version, 1_000 + version, "test net", payload);
    }
}
