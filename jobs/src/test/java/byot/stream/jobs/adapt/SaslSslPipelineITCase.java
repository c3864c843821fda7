package byot.stream.jobs.adapt;

import static byot.stream.jobs.adapt.PipelineTestKit.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.connectors.broker.EmbeddedKafkaExtension;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import byot.stream.connectors.format.Prediction;
import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.connectors.kafka.LatestModelReader;
import byot.stream.jobs.SyntheticImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.util.InstantiationUtil;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job against a broker that only speaks SASL_SSL and authorises with ACLs, as docs/deploy.md sets one up: the
 * job's user gets exactly the ACLs listed there, its password and trust-store password come from a client file
 * that Kafka reads where each client is created, and neither appears in the job graph.
 */
class SaslSslPipelineITCase {
    private static final String USER = "byot";
    private static final String PASSWORD = "job-pw-9d2e61c4";

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = EmbeddedKafkaExtension.saslSsl(Map.of(USER, PASSWORD));

    @Test
    void theJobAnswersEveryImageOverSaslSslWithOnlyItsAcls(@TempDir Path dir) throws Exception {
        Path clientFile = clientFile(dir.resolve("client.properties"), PASSWORD);
        KafkaClientProperties jobClient = KafkaClientProperties.of(KAFKA.bootstrapServers()).withFile(clientFile);
        PipelineTestKit kit = new PipelineTestKit(KAFKA, "sasl", jobClient);
        kit.createTopics();
        grantJobAcls(kit);

        JobGraph graph = kit.environment(dir, 1, null, false).getStreamGraph().getJobGraph();
        String serialised = new String(InstantiationUtil.serializeObject(graph), StandardCharsets.ISO_8859_1);
        assertThat(serialised).as("the job graph carries the client settings").contains(KAFKA.bootstrapServers(), "SASL_SSL");
        assertThat(serialised).as("but no secret").doesNotContain(PASSWORD).doesNotContain(KAFKA.security().trustStorePassword());
        assertThat(serialised).as("only where they are").contains(clientFile.toString());

        // A start without state (and a restore with --model-key) reads the newest record on the models topic with
        // the job's user: Write alone lets it find the topic's end, not fetch the record. Read before the job runs: a
        // job cancelled mid-transaction leaves the topic's last stable offset behind its open transaction until that
        // times out, and a read_committed reader sees nothing after it.
        var codec = new ModelUpdateCodec();
        try (var admin = new KafkaProducer<byte[], byte[]>(KAFKA.client().toProperties(), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            admin.send(new ProducerRecord<>(kit.topics().models(),
                    codec.encode(new ModelUpdate(4, 1L, "x", new byte[] {1, 2, 3})))).get();
        }
        var newest = new LatestModelReader(jobClient, codec, Duration.ofSeconds(30))
                .read(kit.topics().models());
        assertThat(newest).isInstanceOfSatisfying(LatestModelReader.Result.Found.class,
                f -> assertThat(f.update().modelVersion()).isEqualTo(4));

        List<ImageEvent> events = SyntheticImages.events(12, 10, 0.5, false, 5, "tls-", System.currentTimeMillis());
        JobClient job = kit.start(dir, 1, null, false);
        try {
            kit.send(events);
            Map<String, Prediction> predictions = kit.awaitPredictions(ids(events));
            assertThat(predictions.keySet()).containsExactlyInAnyOrderElementsOf(ids(events));
            assertThat(job.getJobStatus().get()).as("no failure (the job has no restarts)").isEqualTo(JobStatus.RUNNING);
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void theSameFileWithAWrongPasswordIsRefused(@TempDir Path dir) throws Exception {
        KafkaClientProperties wrong = KafkaClientProperties.of(KAFKA.bootstrapServers())
                .withFile(clientFile(dir.resolve("client.properties"), "not-" + PASSWORD));
        try (Admin admin = Admin.create(wrong.toProperties(Map.of("default.api.timeout.ms", "5000", "request.timeout.ms", "4000")))) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    /** The ACLs of docs/deploy.md ("Kafka security"), for the kit's topics, group and transactional ids. */
    private static void grantJobAcls(PipelineTestKit kit) throws Exception {
        var t = kit.topics();
        List<AclBinding> acls = new ArrayList<>();
        acls.add(allow(ResourceType.TOPIC, t.images(), PatternType.LITERAL, AclOperation.READ));
        acls.add(allow(ResourceType.GROUP, kit.groupId(), PatternType.LITERAL, AclOperation.READ));
        for (String out : List.of(t.predictions(), t.models(), t.metrics(), t.deadLetter())) {
            acls.add(allow(ResourceType.TOPIC, out, PatternType.LITERAL, AclOperation.WRITE));
        }
        acls.add(allow(ResourceType.TOPIC, t.models(), PatternType.LITERAL, AclOperation.READ));   // a fresh start continues its line
        acls.add(allow(ResourceType.TRANSACTIONAL_ID, kit.groupId() + "-", PatternType.PREFIXED, AclOperation.WRITE));
        acls.add(allow(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.IDEMPOTENT_WRITE));
        try (Admin admin = Admin.create(KAFKA.client().toProperties())) {
            admin.createAcls(acls).all().get();
        }
    }

    private static AclBinding allow(ResourceType type, String name, PatternType pattern, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:" + USER, "*", operation, AclPermissionType.ALLOW));
    }

    private static Path clientFile(Path file, String password) throws Exception {
        Properties p = new Properties();
        p.putAll(KAFKA.security().clientSettings(USER, password));
        try (var out = Files.newBufferedWriter(file)) {
            p.store(out, null);
        }
        return file;
    }
}
