package byot.stream.jobs.config;

import byot.stream.connectors.kafka.KafkaClientProperties;
import java.io.IOException;
import java.nio.file.Path;

/** Reads {@code --bootstrap-servers} and {@code --client-config}, which every Kafka command shares. */
public final class ClientOptions {
    private ClientOptions() {}

    public static KafkaClientProperties client(Parsed args) throws IOException {
        KafkaClientProperties client = KafkaClientProperties.of(args.get("bootstrap-servers"));
        return args.has("client-config") ? client.withFile(Path.of(args.get("client-config"))) : client;
    }
}
