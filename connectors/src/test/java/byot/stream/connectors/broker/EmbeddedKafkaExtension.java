package byot.stream.connectors.broker;

import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.connectors.kafka.TopicAdmin;
import byot.stream.connectors.kafka.TopicSpec;
import java.time.Duration;
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

    private final BrokerConfig config;
    private EmbeddedKafkaBroker broker;

    public EmbeddedKafkaExtension() {
        this(BrokerConfig.defaults());
    }

    public EmbeddedKafkaExtension(BrokerConfig config) {
        this.config = config;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        // @Nested classes call beforeAll again: they share their enclosing class's broker.
        if (broker == null) {
            broker = EmbeddedKafkaBroker.start(config);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (broker != null && context.getParent().flatMap(ExtensionContext::getTestClass).isEmpty()) {
            broker.close();
            broker = null;
        }
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
        return KafkaClientProperties.of(bootstrapServers());
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
