package byot.stream.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.broker.EmbeddedKafkaExtension;
import byot.stream.connectors.format.MalformedRecordException.Reason;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import byot.stream.connectors.signing.ModelKeyFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

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
    void anUndecodableNewestRecordIsSteppedOverToTheNewestThatDecodes() throws Exception {
        KAFKA.createTopics("models-bad");
        byte[] good = CODEC.encode(update(5));
        byte[] corrupt = CODEC.encode(update(6));
        corrupt[corrupt.length - 1] ^= 1;   // the payload no longer matches its digest
        KAFKA.send("models-bad", good, corrupt);

        var result = reader().read("models-bad");

        assertThat(result).isInstanceOf(LatestModelReader.Result.Found.class);
        var found = (LatestModelReader.Result.Found) result;
        assertThat(found.update().modelVersion()).isEqualTo(5);
        assertThat(found.where()).isEqualTo("models-bad-0@0");
        assertThat(found.skipped()).isEqualTo(1);
        assertThat(found.newestSkipped().where()).isEqualTo("models-bad-0@1");
        assertThat(found.newestSkipped().error().reason()).isEqualTo(Reason.BAD_CHECKSUM);
    }

    @Test
    void aTopicOfNothingButUndecodableRecordsIsReportedNotThrown() throws Exception {
        KAFKA.createTopics("models-junk");
        KAFKA.send("models-junk", "not a model".getBytes(StandardCharsets.UTF_8), new byte[] {'B', 'Y'});

        var result = reader().read("models-junk");

        assertThat(result).isInstanceOf(LatestModelReader.Result.Undecodable.class);
        var bad = (LatestModelReader.Result.Undecodable) result;
        assertThat(bad.where()).isEqualTo("models-junk-0@1");
        assertThat(bad.error().reason()).isEqualTo(Reason.BAD_MAGIC);
    }

    /**
     * Whoever can write a signed topic without its key must not be able to reset the version line a fresh start
     * continues: a tombstone, an unsigned update and one signed with another key are all stepped over, across more
     * than the first window read from the end.
     */
    @Test
    void onASignedTopicForgedAndEmptyRecordsDoNotHideTheNewestGenuineUpdate(@TempDir Path dir) throws Exception {
        ModelUpdateCodec signed = ModelUpdateCodec.signedWith(keyFile(dir, "model.key", 1));
        ModelUpdateCodec otherKey = ModelUpdateCodec.signedWith(keyFile(dir, "other.key", 2));
        KAFKA.createTopics("models-signed");
        try (var producer = KAFKA.producer()) {
            for (byte[] value : new byte[][] {signed.encode(update(4)), signed.encode(update(5)), null,
                    CODEC.encode(update(900)), otherKey.encode(update(901))}) {
                producer.send(new ProducerRecord<>("models-signed", 0, null, value)).get();
            }
        }

        var result = new LatestModelReader(KAFKA.client(), signed, Duration.ofSeconds(20)).read("models-signed");

        assertThat(result).isInstanceOf(LatestModelReader.Result.Found.class);
        var found = (LatestModelReader.Result.Found) result;
        assertThat(found.update().modelVersion()).isEqualTo(5);
        assertThat(found.skipped()).isEqualTo(3);
        assertThat(found.newestSkipped().error().reason()).isEqualTo(Reason.BAD_SIGNATURE);
    }

    private static ModelKeyFile keyFile(Path dir, String name, int seed) throws Exception {
        byte[] secret = new byte[32];
        new Random(seed).nextBytes(secret);
        return new ModelKeyFile(Files.write(dir.resolve(name), secret).toString());
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
