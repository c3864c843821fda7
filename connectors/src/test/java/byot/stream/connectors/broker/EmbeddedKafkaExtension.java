package byot.stream.connectors.broker;

import byot.stream.broker.EmbeddedKafkaBroker;
import byot.stream.broker.BrokerSecurity;
import byot.stream.broker.BrokerConfig;
import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.connectors.kafka.TopicAdmin;
import byot.stream.connectors.kafka.TopicSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link EmbeddedKafkaBroker} per test class, with helpers to create topics, send raw values and drain a topic.
 * Published in connectors' test-jar for jobs/ tests:
 * <pre>{@code
 * @RegisterExtension static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
 * @Test void x() throws Exception {
 *     KAFKA.createTopics(2, "images");
 *     KAFKA.send("images", bytes);
 *     assertThat(KAFKA.drain("images")).hasSize(1);
 * }
 * }</pre>
 */
public final class EmbeddedKafkaExtension implements BeforeAllCallback, AfterAllCallback {
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

    public static final String ADMIN_USER = "admin";

    private final BrokerConfig config;
    private final Map<String, String> saslUsers;
    private EmbeddedKafkaBroker broker;
    private Path keyStoreDir;
    private BrokerSecurity security;

    public EmbeddedKafkaExtension() {
        this(BrokerConfig.defaults());
    }

    public EmbeddedKafkaExtension(BrokerConfig config) {
        this(config, null);
    }

    private EmbeddedKafkaExtension(BrokerConfig config, Map<String, String> saslUsers) {
        this.config = config;
        this.saslUsers = saslUsers;
    }

    /**
     * A broker with a SASL_SSL listener and ACLs ({@link BrokerSecurity}), its certificates made for this test
     * class. {@link #client()} and the helpers here connect as the super user {@value #ADMIN_USER}; {@code users}
     * (name to password) may connect and do what ACLs grant them.
     */
    public static EmbeddedKafkaExtension saslSsl(Map<String, String> users) {
        return new EmbeddedKafkaExtension(BrokerConfig.defaults(), Map.copyOf(users));
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        // @Nested classes call beforeAll again: they share their enclosing class's broker.
        if (broker == null) {
            BrokerConfig effective = config;
            if (saslUsers != null) {
                keyStoreDir = Files.createTempDirectory("byot-tls-");
                TestKeyStores stores = TestKeyStores.create(keyStoreDir);
                security = new BrokerSecurity(stores.keyStore(), stores.password(), stores.trustStore(),
                        stores.password(), ADMIN_USER, UUID.randomUUID().toString(), saslUsers);
                effective = config.withSecurity(security);
            }
            broker = EmbeddedKafkaBroker.start(effective);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (broker != null && context.getParent().flatMap(ExtensionContext::getTestClass).isEmpty()) {
            broker.close();
            broker = null;
            if (keyStoreDir != null) {
                try (Stream<Path> files = Files.walk(keyStoreDir)) {
                    for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(f);
                    }
                }
            }
        }
    }

    /** The broker's TLS and SASL settings; only for {@link #saslSsl}. */
    public BrokerSecurity security() {
        if (security == null) {
            throw new IllegalStateException("not a SASL_SSL broker: create the extension with saslSsl(users)");
        }
        return security;
    }

    public EmbeddedKafkaBroker broker() {
        if (broker == null) {
            throw new IllegalStateException("broker not started: register the extension with @RegisterExtension on a static field");
        }
        return broker;
    }

    public String bootstrapServers() {
        return broker().bootstrapServers();
    }

    public KafkaClientProperties client() {
        return KafkaClientProperties.of(bootstrapServers()).with(broker().adminClientSettings());
    }

    /** Creates topics with one partition each; existing ones are left alone. */
    public void createTopics(String... names) throws Exception {
        createTopics(1, names);
    }

    public void createTopics(int partitions, String... names) throws Exception {
        TopicAdmin.create(client(), Arrays.stream(names).map(n -> new TopicSpec(n, partitions, Map.of())).toList());
    }

    /** Sends values without keys and waits until the broker has acknowledged all of them. */
    public void send(String topic, byte[]... values) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            var futures = new ArrayList<Future<?>>();
            for (byte[] value : values) {
                futures.add(producer.send(new ProducerRecord<>(topic, value)));
            }
            for (var f : futures) {
                f.get();
            }
        }
    }

    public KafkaProducer<byte[], byte[]> producer() {
        Properties p = client().toProperties(Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, "5",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(64 << 20)));
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    public List<ConsumerRecord<byte[], byte[]>> drain(String topic) {
        return drain(topic, DEFAULT_DRAIN_TIMEOUT);
    }

    /**
     * Every committed record of {@code topic} from the beginning up to its end when the call starts (read_committed:
     * records of open or aborted transactions are not returned), in partition then offset order.
     *
     * @throws AssertionError when the end is not reached within {@code timeout}
     */
    public List<ConsumerRecord<byte[], byte[]>> drain(String topic, Duration timeout) {
        Properties p = client().toProperties(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000"));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            Set<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .collect(Collectors.toSet());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("drain(" + topic + "): end offsets " + end + " not reached within "
                            + timeout + ", got " + out.size() + " records");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                        out.add(r);
                    }
                }
            }
            out.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition())
                    : Long.compare(a.offset(), b.offset()));
            return out;
        }
    }

    private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }
}
