package byot.stream.connectors.kafka;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.provider.FileConfigProvider;

/**
 * The settings of a {@code --client-config} file, with every secret replaced by a reference to the file.
 *
 * <p>Flink serialises the properties of its Kafka sources and sinks into the job graph, which is written to the
 * JobManager's storage and to checkpoints and is shown by the REST API. A password read here would travel with it.
 * Instead, secrets become Kafka config-provider references such as {@code ${byotsecrets:/etc/byot/client.properties:
 * sasl.jaas.config}}, and Kafka's {@link FileConfigProvider} reads the value from the same file when a consumer,
 * producer or admin client is created, on the TaskManagers and on the JobManager. So the file must exist at the
 * same absolute path on every one of them.
 *
 * <p>Secrets are the settings Kafka's client configs type as passwords ({@code sasl.jaas.config},
 * {@code ssl.*.password}, PEM keys, OAuth client secrets) and, for plugins Kafka does not know, any key ending in
 * {@code .password} or {@code .secret}. Values that already are references (to a provider the file declares) are
 * kept as they are.
 */
public final class ClientConfigFile {
    /** Name under which the file provider is registered; a file may not use it for a provider of its own. */
    public static final String SECRETS_PROVIDER = "byotsecrets";
    static final String PROVIDERS = "config.providers";

    private static final Set<String> PASSWORD_KEYS = Stream.of(ConsumerConfig.configDef(), ProducerConfig.configDef(),
                    AdminClientConfig.configDef())
            .flatMap(def -> def.configKeys().values().stream())
            .filter(key -> key.type == ConfigDef.Type.PASSWORD)
            .map(key -> key.name)
            .collect(Collectors.toUnmodifiableSet());

    private ClientConfigFile() {}

    /**
     * Settings the pipeline's guarantees rest on, which a file must not change (it is applied last, so it would win):
     * each with what it would break, or where it is set instead.
     */
    static final Map<String, String> RESERVED = Map.of(
            "isolation.level", "the job reads read_committed, so aborted replays never reach the model",
            "enable.auto.commit", "offsets are committed with Flink's checkpoints, never on a timer",
            "transactional.id", "exactly-once sinks derive their own ids from --group-id; other producers are not transactional",
            "group.id", "give it as --group-id",
            "key.serializer", "records are written as bytes by the pipeline's own serializers",
            "value.serializer", "records are written as bytes by the pipeline's own serializers",
            "key.deserializer", "records are read as bytes and decoded by the pipeline, bad ones to dead letters",
            "value.deserializer", "records are read as bytes and decoded by the pipeline, bad ones to dead letters");

    public static Map<String, String> read(Path file) throws IOException {
        Path path = file.toAbsolutePath().normalize();
        Properties loaded = new Properties();
        try (Reader in = Files.newBufferedReader(path)) {
            loaded.load(in);
        }
        Set<String> providers = declaredProviders(loaded.getProperty(PROVIDERS));
        if (providers.contains(SECRETS_PROVIDER)) {
            throw new IllegalArgumentException(path + ": config provider name " + SECRETS_PROVIDER
                    + " is reserved for the secrets of this file");
        }
        for (Map.Entry<String, String> reserved : RESERVED.entrySet()) {
            if (loaded.containsKey(reserved.getKey())) {
                throw new IllegalArgumentException(path + ": " + reserved.getKey() + " is not a client setting to pass through: "
                        + reserved.getValue());
            }
        }
        Map<String, String> settings = new LinkedHashMap<>();
        boolean referenced = false;
        for (String name : loaded.stringPropertyNames()) {
            String value = loaded.getProperty(name);
            if (isSecret(name) && !value.contains("${")) {
                settings.put(name, "${" + SECRETS_PROVIDER + ":" + path + ":" + name + "}");
                referenced = true;
            } else {
                settings.put(name, value);
            }
        }
        if (referenced) {
            providers.add(SECRETS_PROVIDER);
            settings.put(PROVIDERS, String.join(",", providers));
            settings.put(PROVIDERS + "." + SECRETS_PROVIDER + ".class", FileConfigProvider.class.getName());
        }
        return settings;
    }

    static boolean isSecret(String name) {
        return PASSWORD_KEYS.contains(name) || name.endsWith(".password") || name.endsWith(".secret");
    }

    private static Set<String> declaredProviders(String list) {
        Set<String> names = new LinkedHashSet<>();
        if (list != null) {
            Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(names::add);
        }
        return names;
    }
}
