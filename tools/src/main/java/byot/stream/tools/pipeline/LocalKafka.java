package byot.stream.tools.pipeline;

import byot.stream.broker.BrokerConfig;
import byot.stream.broker.EmbeddedKafkaBroker;
import byot.stream.connectors.kafka.KafkaClientProperties;
import java.io.IOException;
import java.util.Optional;

/**
 * The Kafka a local run talks to: the cluster the user named ({@code --bootstrap-servers}), or a single-node broker
 * started in this process for the run and removed when it is closed.
 */
public final class LocalKafka implements AutoCloseable {

    private final EmbeddedKafkaBroker broker;
    private final KafkaClientProperties client;

    private LocalKafka(EmbeddedKafkaBroker broker, KafkaClientProperties client) {
        this.broker = broker;
        this.client = client;
    }

    /** {@code external} when given, else an embedded broker on a free port. */
    public static LocalKafka of(Optional<KafkaClientProperties> external) throws IOException {
        if (external.isPresent()) {
            return new LocalKafka(null, external.get());
        }
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(BrokerConfig.defaults().withPort(0));
        return new LocalKafka(broker, KafkaClientProperties.of(broker.bootstrapServers()));
    }

    public KafkaClientProperties client() {
        return client;
    }

    /** Whether the broker is this process's own, fresh for this run (no topics, no committed offsets). */
    public boolean embedded() {
        return broker != null;
    }

    /** For progress lines: {@code embedded Kafka at host:port} or {@code Kafka at <servers>}. */
    public String describe() {
        return (embedded() ? "embedded Kafka at " : "Kafka at ") + client.bootstrapServers();
    }

    @Override
    public void close() {
        if (broker != null) {
            broker.close();
        }
    }
}
