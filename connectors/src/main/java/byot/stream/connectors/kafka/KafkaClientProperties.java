package byot.stream.connectors.kafka;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * Where the brokers are, plus any client settings passed through untouched: SASL/SSL for a secured cluster, or
 * tuning. Passed-through settings are applied last, so they win over the defaults our clients set.
 */
public record KafkaClientProperties(String bootstrapServers, Map<String, String> extra) implements Serializable {

    public KafkaClientProperties {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrap servers must not be blank");
        }
        extra = Map.copyOf(extra);
        if (extra.containsKey(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new IllegalArgumentException("give bootstrap.servers as bootstrapServers, not as an extra property");
        }
    }

    public static KafkaClientProperties of(String bootstrapServers) {
        return new KafkaClientProperties(bootstrapServers, Map.of());
    }

    /**
     * Adds the settings of a Java properties file, e.g. {@code security.protocol=SASL_SSL} and its JAAS config.
     * Secrets are not copied: they become references that Kafka resolves from the file where each client is
     * created ({@link ClientConfigFile}), so they stay out of anything serialised, such as Flink's job graph.
     */
    public KafkaClientProperties withFile(Path file) throws IOException {
        return with(ClientConfigFile.read(file));
    }

    public KafkaClientProperties with(Map<String, String> more) {
        Map<String, String> merged = new LinkedHashMap<>(extra);
        merged.putAll(more);
        return new KafkaClientProperties(bootstrapServers, merged);
    }

    /** {@code defaults}, then the bootstrap servers, then the pass-through settings. */
    public Properties toProperties(Map<String, ?> defaults) {
        Properties props = new Properties();
        props.putAll(defaults);
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.putAll(extra);
        return props;
    }

    public Properties toProperties() {
        return toProperties(Map.of());
    }
}
