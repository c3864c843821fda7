package byot.stream.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.broker.EmbeddedKafkaExtension;
import byot.stream.connectors.format.MalformedRecordException.Reason;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LatestModelReaderITCase {
    @RegisterExtension static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final ModelUpdateCodec CODEC = new ModelUpdateCodec();

    private static LatestModelReader reader() {
        return new LatestModelReader(KAFKA.client(), CODEC, Duration.ofSeconds(20));
    }

    @Test
    void aMissingTopicIsEmptyAndIsNotCreatedByLooking() throws Exception {
        assertThat(reader().read("models-nowhere")).isEqualTo(new LatestModelReader.Result.Empty("models-nowhere"));
        try (Admin admin = Admin.create(KAFKA.client().toProperties())) {
            assertThat(admin.listTopics().names().get()).doesNotContain("models-nowhere");
        }
    }

    @Test
    void anEmptyTopicIsEmpty() throws Exception {
        KAFKA.createTopics("models-empty");
        assertThat(reader().read("models-empty")).isInstanceOf(LatestModelReader.Result.Empty.class);
    }

    @Test
    void findsTheNewestCommittedUpdateBehindTransactionMarkersAndAnAbortedOne() throws Exception {
        KAFKA.createTopics("models-tx");
        try (var producer = transactional("latest-model-it")) {
            producer.initTransactions();
            for (long version = 1; version <= 3; version++) {
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("models-tx", CODEC.encode(update(version))));
                producer.commitTransaction();
            }
            // An aborted update after the last committed one must not be taken: it was never published.
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("models-tx", CODEC.encode(update(99))));
            producer.flush();
            producer.abortTransaction();
        }

        var result = reader().read("models-tx");

        assertThat(result).isInstanceOf(LatestModelReader.Result.Found.class);
        ModelUpdate newest = ((LatestModelReader.Result.Found) result).update();
        assertThat(newest.modelVersion()).isEqualTo(3);
        assertThat(newest.payload()).isEqualTo(update(3).payload());
        assertThat(((LatestModelReader.Result.Found) result).where()).isEqualTo("models-tx-0@4");
    }

    @Test
    void anUndecodableNewestRecordIsReportedNotThrown() throws Exception {
        KAFKA.createTopics("models-bad");
        byte[] good = CODEC.encode(update(5));
        byte[] corrupt = CODEC.encode(update(6));
        corrupt[corrupt.length - 1] ^= 1;   // the payload no longer matches its digest
        KAFKA.send("models-bad", good, corrupt);

        var result = reader().read("models-bad");

        assertThat(result).isInstanceOf(LatestModelReader.Result.Undecodable.class);
        var bad = (LatestModelReader.Result.Undecodable) result;
        assertThat(bad.where()).isEqualTo("models-bad-0@1");
        assertThat(bad.error().reason()).isEqualTo(Reason.BAD_CHECKSUM);
    }

    @Test
    void overSeveralPartitionsTheHighestVersionWins() throws Exception {
        KAFKA.createTopics(2, "models-two");
        try (var producer = KAFKA.producer()) {
            producer.send(new ProducerRecord<>("models-two", 0, null, CODEC.encode(update(7)))).get();
            producer.send(new ProducerRecord<>("models-two", 1, null, CODEC.encode(update(4)))).get();
        }
        var result = reader().read("models-two");
        assertThat(((LatestModelReader.Result.Found) result).update().modelVersion()).isEqualTo(7);
    }

    private static ModelUpdate update(long version) {
        byte[] payload = new byte[1000];
        Arrays.fill(payload, (byte) version);
        return new ModelUpdate(version, 1_000 + version, "test net", payload);
    }

    private static KafkaProducer<byte[], byte[]> transactional(String id) {
        return new KafkaProducer<>(KAFKA.client().toProperties(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, id,
                ProducerConfig.ACKS_CONFIG, "all")), new ByteArraySerializer(), new ByteArraySerializer());
    }
}
