package byot.stream.jobs.config;

import byot.stream.connectors.kafka.KafkaClientProperties;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** Reads {@code --bootstrap-servers} and {@code --client-config}, which every Kafka command shares. */
public final class ClientOptions {
    private ClientOptions() {}

    public static KafkaClientProperties client(Parsed args) throws IOException {
        KafkaClientProperties client = KafkaClientProperties.of(args.get("bootstrap-servers"));
        return args.has("client-config") ? client.withFile(Path.of(args.get("client-config"))) : client;
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
