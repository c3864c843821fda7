package byot.stream.connectors.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.connectors.kafka.KafkaClientProperties;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The embedded broker in SASL_SSL mode: only authenticated TLS clients get in, and only to what ACLs grant. */
class SaslSslBrokerITCase {
    private static final String USER = "writer";
    private static final String PASSWORD = "writer-pw-31b7";

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = EmbeddedKafkaExtension.saslSsl(Map.of(USER, PASSWORD));

    @BeforeAll
    static void topicsAndAcls() throws Exception {
        KAFKA.createTopics("granted", "forbidden");
        try (Admin admin = Admin.create(KAFKA.client().toProperties())) {
            admin.createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, "granted", PatternType.LITERAL),
                    new AccessControlEntry("User:" + USER, "*", AclOperation.WRITE, AclPermissionType.ALLOW)))).all().get();
        }
    }

    @Test
    void listensWithSaslSslOnLoopbackOnly() {
        Map<String, String> server = KAFKA.broker().serverProperties();
        assertThat(server.get("listeners").split(",")).allSatisfy(l -> assertThat(l).contains("://127.0.0.1:"));
        assertThat(server.get("listener.security.protocol.map")).doesNotContain("PLAINTEXT:PLAINTEXT")
                .doesNotContain(":PLAINTEXT,").doesNotEndWith(":PLAINTEXT");
        assertThat(server).containsEntry("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .containsEntry("super.users", "User:" + EmbeddedKafkaExtension.ADMIN_USER);
    }

    @Test
    void aUserWritesWhatItsAclsGrantWithSecretsReadFromItsClientFile(@TempDir Path dir) throws Exception {
        KafkaClientProperties client = KafkaClientProperties.of(KAFKA.bootstrapServers()).withFile(clientFile(dir, PASSWORD));
        assertThat(client.toString()).doesNotContain(PASSWORD);
        try (var producer = producer(client)) {
            assertThat(producer.send(new ProducerRecord<>("granted", bytes("ok"))).get(20, TimeUnit.SECONDS).offset()).isZero();
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("forbidden", bytes("no"))).get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicAuthorizationException.class);
        }
        assertThat(KAFKA.drain("granted")).hasSize(1);
        assertThat(KAFKA.drain("forbidden")).isEmpty();
    }

    @Test
    void aWrongPasswordIsRefused(@TempDir Path dir) throws Exception {
        KafkaClientProperties client = KafkaClientProperties.of(KAFKA.bootstrapServers()).withFile(clientFile(dir, "guess"));
        assertThatThrownBy(() -> describeCluster(client)).hasCauseInstanceOf(SaslAuthenticationException.class);
    }

    @Test
    void aClientThatDoesNotTrustTheBrokersCertificateIsRefused() {
        Map<String, String> noTrustStore = new java.util.HashMap<>(KAFKA.security().clientSettings(USER, PASSWORD));
        noTrustStore.keySet().removeIf(k -> k.startsWith("ssl.truststore."));
        assertThatThrownBy(() -> describeCluster(KafkaClientProperties.of(KAFKA.bootstrapServers()).with(noTrustStore)))
                .hasCauseInstanceOf(SslAuthenticationException.class);
    }

    @Test
    void aPlaintextClientGetsNothing() {
        assertThatThrownBy(() -> describeCluster(KafkaClientProperties.of(KAFKA.bootstrapServers())))
                .isInstanceOf(ExecutionException.class);
    }

    private Path clientFile(Path dir, String password) throws Exception {
        Properties p = new Properties();
        p.putAll(KAFKA.security().clientSettings(USER, password));
        Path file = dir.resolve("client.properties");
        try (var out = Files.newBufferedWriter(file)) {
            p.store(out, null);
        }
        return file;
    }

    private static KafkaProducer<byte[], byte[]> producer(KafkaClientProperties client) {
        return new KafkaProducer<>(client.toProperties(Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "20000", ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000")),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void describeCluster(KafkaClientProperties client) throws Exception {
        try (Admin admin = Admin.create(client.toProperties(Map.of("default.api.timeout.ms", "5000",
                "request.timeout.ms", "4000")))) {
            admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
