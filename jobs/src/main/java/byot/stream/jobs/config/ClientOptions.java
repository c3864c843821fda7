package byot.stream.jobs.config;

import byot.stream.connectors.kafka.KafkaClientProperties;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code --bootstrap-servers} and {@code --client-config}, which every Kafka command shares: declared here once,
 * added to each command's {@link Options} by {@link #declare}, read by {@link #client}.
 */
public final class ClientOptions {
    static final String BOOTSTRAP_SERVERS = "bootstrap-servers";
    static final String CLIENT_CONFIG = "client-config";

    private ClientOptions() {}

    /** Adds the two flags to {@code options}; {@code defaultServers} is where the command looks without the flag. */
    public static Options declare(Options options, String defaultServers) {
        return options
                .add(BOOTSTRAP_SERVERS, defaultServers, "Kafka brokers, host:port[,host:port...]")
                .add(CLIENT_CONFIG, null, "Java properties file applied to every Kafka client (SASL/SSL settings); its"
                        + " secrets are read from the file where each client starts and never copied into a job graph");
    }

    public static Options declare(Options options) {
        return declare(options, "localhost:9092");
    }

    public static KafkaClientProperties client(Parsed args) throws IOException {
        KafkaClientProperties client = KafkaClientProperties.of(args.get(BOOTSTRAP_SERVERS));
        return args.has(CLIENT_CONFIG) ? client.withFile(Path.of(args.get(CLIENT_CONFIG))) : client;
    }

    /** {@code options}' {@code --bootstrap-servers} without a default: absent, the command starts a broker of its own. */
    public static Options embeddedBrokerByDefault(Options options) {
        return options.withDefault("bootstrap-servers", null, "Kafka brokers (default: an embedded broker for this run)");
    }

    /**
     * For commands that start a broker of their own unless told otherwise (their {@code --bootstrap-servers} has no
     * default, {@link #embeddedBrokerByDefault}): the client of the brokers given, or empty.
     */
    public static Optional<KafkaClientProperties> given(Parsed args) throws IOException {
        if (!args.has("bootstrap-servers")) {
            if (args.has("client-config")) {
                throw new UsageException("--client-config needs --bootstrap-servers: it configures clients of the brokers given there");
            }
            return Optional.empty();
        }
        return Optional.of(client(args));
    }
}
