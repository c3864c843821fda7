package byot.stream.broker;

import java.util.Map;

/**
 * How to start an {@link EmbeddedKafkaBroker}.
 *
 * @param port client port on 127.0.0.1 (PLAINTEXT, or SASL_SSL with {@code security}); 0 picks a free one
 * @param partitionsPerInternalTopic partitions of {@code __consumer_offsets} and {@code __transaction_state}: Kafka's
 *     default of 50 each costs seconds at startup and first use, and one node gains nothing from them
 * @param overrides broker settings applied last, e.g. {@code message.max.bytes}
 * @param security null for one PLAINTEXT listener that everyone may use; otherwise a SASL_SSL listener with ACLs
 */
public record BrokerConfig(int port, int partitionsPerInternalTopic, Map<String, String> overrides,
        BrokerSecurity security) {
    public BrokerConfig {
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        if (partitionsPerInternalTopic <= 0) {
            throw new IllegalArgumentException("partitionsPerInternalTopic must be positive");
        }
        overrides = Map.copyOf(overrides);
    }

    public BrokerConfig(int port, int partitionsPerInternalTopic, Map<String, String> overrides) {
        this(port, partitionsPerInternalTopic, overrides, null);
    }

    /** Free port, 4 partitions per internal topic, no overrides. */
    public static BrokerConfig defaults() {
        return new BrokerConfig(0, 4, Map.of());
    }

    public BrokerConfig withPort(int newPort) {
        return new BrokerConfig(newPort, partitionsPerInternalTopic, overrides, security);
    }

    public BrokerConfig withSecurity(BrokerSecurity newSecurity) {
        return new BrokerConfig(port, partitionsPerInternalTopic, overrides, newSecurity);
    }
}
