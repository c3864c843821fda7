package byot.stream.jobs.config;

import byot.stream.connectors.kafka.KafkaClientProperties;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.flink.configuration.ReadableConfig;

/**
 * {@code --bootstrap-servers} and {@code --client-config}, which the job and every Kafka command share: declared here
 * once, added to each command's {@link Options} by {@link #declare}, read by {@link #client}.
 */
public final class ClientOptions {
    public static final JobOption<String> BOOTSTRAP_SERVERS = JobOption.text("bootstrap-servers", "localhost:9092",
            "Kafka brokers, host:port[,host:port...]");
    public static final JobOption<String> CLIENT_CONFIG = JobOption.text("client-config", null,
            "Java properties file applied to every Kafka client (SASL/SSL settings); its secrets are read from the file"
                    + " where each client starts and never copied into a job graph");

    private ClientOptions() {}

    /** Adds the two flags to {@code options}. */
    public static Options declare(Options options) {
        return options.add(BOOTSTRAP_SERVERS).add(CLIENT_CONFIG);
    }

    /** The Kafka client a command's flags describe. */
    public static KafkaClientProperties client(Parsed args) throws IOException {
        return client(args.configuration());
    }

    /** The Kafka client a job's configuration describes. */
    public static KafkaClientProperties client(ReadableConfig config) throws IOException {
        KafkaClientProperties client = KafkaClientProperties.of(BOOTSTRAP_SERVERS.get(config));
        Optional<String> file = CLIENT_CONFIG.optional(config);
        return file.isPresent() ? client.withFile(Path.of(file.get())) : client;
    }

    /** {@code options}' {@code --bootstrap-servers} without a default: absent, the command starts a broker of its own. */
    public static Options embeddedBrokerByDefault(Options options) {
        return options.withDefault(BOOTSTRAP_SERVERS.flag(), null, "Kafka brokers (default: an embedded broker for this run)");
    }

    /**
     * For commands that start a broker of their own unless told otherwise (their {@code --bootstrap-servers} has no
     * default, {@link #embeddedBrokerByDefault}): the client of the brokers given, or empty.
     */
    public static Optional<KafkaClientProperties> given(Parsed args) throws IOException {
        if (!args.has(BOOTSTRAP_SERVERS.flag())) {
            if (args.has(CLIENT_CONFIG.flag())) {
                throw new UsageException("--client-config needs --bootstrap-servers: it configures clients of the brokers given there");
            }
            return Optional.empty();
        }
        return Optional.of(client(args));
    }
}
