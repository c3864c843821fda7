package byot.stream.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.connectors.format.ImageLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaClientPropertiesTest {

    private static final String SASL_PASSWORD = "sasl-pw-4f1c9e";
    private static final String TRUSTSTORE_PASSWORD = "trust-pw-77ab02";
    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"byot\" password=\"" + SASL_PASSWORD + "\";";

    @Test
    void secretsOfTheClientConfigFileStayOutOfSerialisedSourcesAndSinks(@TempDir Path dir) throws IOException {
        KafkaClientProperties client = KafkaClientProperties.of("h:1").withFile(clientConfig(dir));

        byte[] source = serialise(KafkaEndpoints.images(new ImageSourceConfig(client, "images", "g", false, ImageLimits.DEFAULT)));
        byte[] sink = serialise(KafkaEndpoints.predictions(SinkConfig.exactlyOnce(client, "predictions", "g-predictions")));
        byte[] settings = serialise(client);

        for (byte[] bytes : new byte[][] {source, sink, settings}) {
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            assertThat(text).doesNotContain(SASL_PASSWORD).doesNotContain(TRUSTSTORE_PASSWORD)
                    .contains("SASL_SSL").contains(dir.toString());
        }
    }

    @Test
    void kafkaResolvesTheSecretsFromTheFileWhereTheClientIsCreated(@TempDir Path dir) throws IOException {
        Path file = clientConfig(dir);
        KafkaClientProperties client = KafkaClientProperties.of("h:1").withFile(file);

        assertThat(client.extra()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry(SaslConfigs.SASL_JAAS_CONFIG, "${" + ClientConfigFile.SECRETS_PROVIDER + ":"
                        + file.toAbsolutePath() + ":" + SaslConfigs.SASL_JAAS_CONFIG + "}")
                .containsEntry("linger.ms", "7");
        // Any Kafka client config resolves the references when it is constructed, as the consumers and producers
        // that Flink creates on the TaskManagers do.
        AdminClientConfig resolved = new AdminClientConfig(toMap(client));
        assertThat(resolved.getPassword(SaslConfigs.SASL_JAAS_CONFIG)).isEqualTo(new Password(JAAS));
        assertThat(resolved.getPassword(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG)).isEqualTo(new Password(TRUSTSTORE_PASSWORD));
        assertThat(resolved.getString(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG)).isEqualTo("/etc/byot/truststore.p12");
    }

    @Test
    void aClientWhereTheFileIsMissingFailsNamingTheFile(@TempDir Path dir) throws IOException {
        Path file = clientConfig(dir);
        KafkaClientProperties client = KafkaClientProperties.of("h:1").withFile(file);
        Files.delete(file);
        assertThatThrownBy(() -> new AdminClientConfig(toMap(client)))
                .isInstanceOf(ConfigException.class).hasMessageContaining(file.toAbsolutePath().toString());
    }

    @Test
    void providersAndReferencesTheFileAlreadyDeclaresAreKept(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, """
                config.providers=env
                config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider
                sasl.jaas.config=${env:BYOT_JAAS}
                ssl.key.password=k3y-pw
                """);
        KafkaClientProperties client = KafkaClientProperties.of("h:1").withFile(file);

        assertThat(client.extra()).containsEntry("config.providers", "env," + ClientConfigFile.SECRETS_PROVIDER)
                .containsEntry("config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider")
                .containsEntry(SaslConfigs.SASL_JAAS_CONFIG, "${env:BYOT_JAAS}");
        assertThat(client.extra().get(SslConfigs.SSL_KEY_PASSWORD_CONFIG)).startsWith("${" + ClientConfigFile.SECRETS_PROVIDER + ":");
        assertThat(client.toString()).doesNotContain("k3y-pw");
    }

    /**
     * The file is applied last, so it would win over what the job's guarantees rest on: read_uncommitted lets aborted
     * replays reach the model, a string deserializer failed the source on every record, a transactional id made every
     * non-transactional producer throw. Each is refused naming the file and the key.
     */
    @Test
    void settingsThePipelineReliesOnAreRefusedInTheFile(@TempDir Path dir) throws IOException {
        for (String line : new String[] {"isolation.level=read_uncommitted", "enable.auto.commit=true", "transactional.id=t",
                "group.id=g", "value.deserializer=org.apache.kafka.common.serialization.StringDeserializer",
                "key.serializer=org.apache.kafka.common.serialization.StringSerializer"}) {
            Path file = Files.writeString(dir.resolve("client.properties"), "linger.ms=7\n" + line + "\n");
            String key = line.substring(0, line.indexOf('='));
            assertThatThrownBy(() -> KafkaClientProperties.of("h:1").withFile(file)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(file.toAbsolutePath().toString()).hasMessageContaining(key);
        }
        Path tuning = Files.writeString(dir.resolve("tuning.properties"), "linger.ms=7\ntransaction.timeout.ms=600000\n");
        assertThat(KafkaClientProperties.of("h:1").withFile(tuning).extra()).containsEntry("linger.ms", "7");
    }

    @Test
    void aFileThatNamesTheSecretsProviderItselfIsRefused(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "config.providers=" + ClientConfigFile.SECRETS_PROVIDER + "\n");
        assertThatThrownBy(() -> KafkaClientProperties.of("h:1").withFile(file))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(ClientConfigFile.SECRETS_PROVIDER);
    }

    private static Path clientConfig(Path dir) throws IOException {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, String.join("\n",
                "security.protocol=SASL_SSL",
                "sasl.mechanism=PLAIN",
                "sasl.jaas.config=" + JAAS.replace("\"", "\\\""),
                "ssl.truststore.location=/etc/byot/truststore.p12",
                "ssl.truststore.password=" + TRUSTSTORE_PASSWORD,
                "linger.ms=7", ""));
        return file;
    }

    private static Map<String, Object> toMap(KafkaClientProperties client) {
        Map<String, Object> map = new java.util.HashMap<>();
        client.toProperties().forEach((k, v) -> map.put((String) k, v));
        return map;
    }

    private static byte[] serialise(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }
}
