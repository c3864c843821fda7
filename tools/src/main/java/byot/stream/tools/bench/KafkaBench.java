package byot.stream.tools.bench;

import byot.stream.broker.BrokerConfig;
import byot.stream.broker.EmbeddedKafkaBroker;
import byot.stream.connectors.dataset.LabeledImages;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.MalformedRecordException;
import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.connectors.kafka.TopicAdmin;
import byot.stream.connectors.kafka.TopicSpec;
import byot.stream.connectors.replay.DomainShift;
import byot.stream.connectors.replay.ReplayConfig;
import byot.stream.connectors.replay.ReplayProducer;
import byot.stream.connectors.replay.ReplaySummary;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.tools.ProducerPerformance;

/**
 * Replay throughput against Kafka's own {@link ProducerPerformance} on the same embedded broker, with the same
 * record size, record count and producer settings, so the ratio measures what the replay adds (encoding, copying
 * pixels, label draws, a domain shift on half of the events), not broker tuning.
 */
final class KafkaBench {
    /** A rate, in records and in 10^6 bytes per second. */
    record Throughput(double recordsPerSec, double mbPerSec) {
        static Throughput of(long records, long bytes, double seconds) {
            return new Throughput(records / seconds, bytes / seconds / 1e6);
        }
    }

    record Side(Throughput produce, Throughput consume) {}

    record Result(long records, int recordBytes, int partitions, Side replay, Side anchor, double produceRatio,
            double consumeRatio, String anchorTool, Map<String, Object> producerSettings) {}

    private static final Pattern SUMMARY = Pattern.compile("(\\d+) records sent, ([\\d.]+) records/sec");

    private final LabeledImages data;
    private final long records;
    private final int partitions;

    KafkaBench(LabeledImages data, long records, int partitions) {
        this.data = data;
        this.records = records;
        this.partitions = partitions;
    }

    Result run() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(BrokerConfig.defaults())) {
            KafkaClientProperties client = KafkaClientProperties.of(broker.bootstrapServers());
            TopicAdmin.create(client, List.of(topic("bench-warmup"), topic("bench-replay"), topic("bench-anchor")));
            // JIT and broker warm-up, so neither measured run pays for it.
            replay(client, "bench-warmup", Math.min(records, 20_000));

            ReplaySummary replay = replay(client, "bench-replay", records);
            int recordBytes = (int) Math.round((double) replay.bytes() / replay.sent());
            Throughput anchorProduce = producerPerformance(broker.bootstrapServers(), "bench-anchor", recordBytes);
            Throughput replayProduce = new Throughput(replay.recordsPerSecond(), replay.megabytesPerSecond());
            Throughput replayConsume = consume(client, "bench-replay", true);
            Throughput anchorConsume = consume(client, "bench-anchor", false);
            return new Result(records, recordBytes, partitions, new Side(replayProduce, replayConsume),
                    new Side(anchorProduce, anchorConsume), replayProduce.recordsPerSec() / anchorProduce.recordsPerSec(),
                    replayConsume.recordsPerSec() / anchorConsume.recordsPerSec(), ProducerPerformance.class.getName(),
                    new TreeMap<>(ReplayProducer.PRODUCER_DEFAULTS));
        }
    }

    private TopicSpec topic(String name) {
        return new TopicSpec(name, partitions, Map.of());
    }

    private ReplaySummary replay(KafkaClientProperties client, String topic, long limit) {
        // As `byot produce --shift` streams it: the second half of the events inverted.
        ReplayConfig config = ReplayConfig.onePass(client, topic, "train").labeledFraction(0.3).limit(limit, true)
                .shift(DomainShift.parse((limit / 2) + ":invert")).seed(42);
        ReplaySummary summary = new ReplayProducer(config, data).run(p -> {});
        if (summary.errors() > 0) {
            throw new IllegalStateException("replay to " + topic + " failed: " + summary.firstError());
        }
        return summary;
    }

    /** Runs the tool in-process and reads its closing line; it prints to System.out, which is captured meanwhile. */
    private Throughput producerPerformance(String bootstrap, String topic, int recordBytes) throws Exception {
        List<String> args = new ArrayList<>(List.of("--topic", topic, "--num-records", String.valueOf(records),
                "--record-size", String.valueOf(recordBytes), "--throughput", "-1", "--producer-props",
                "bootstrap.servers=" + bootstrap));
        ReplayProducer.PRODUCER_DEFAULTS.forEach((k, v) -> args.add(k + "=" + v));
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        synchronized (System.class) {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try {
                ProducerPerformance.main(args.toArray(String[]::new));
            } finally {
                System.setOut(stdout);
            }
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        String[] lines = output.strip().split("\n");
        Matcher fin = SUMMARY.matcher(lines[lines.length - 1]);
        if (!fin.find() || Long.parseLong(fin.group(1)) != records) {
            throw new IllegalStateException("unexpected ProducerPerformance output: " + output);
        }
        double rate = Double.parseDouble(fin.group(2));
        return new Throughput(rate, rate * recordBytes / 1e6);
    }

    /** Reads the topic from the start until {@code records} arrived; decodes each value when {@code decode}. */
    private Throughput consume(KafkaClientProperties client, String topic, boolean decode) throws MalformedRecordException {
        ImageEventCodec codec = new ImageEventCodec(ImageLimits.DEFAULT);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + topic);
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        settings.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(64 << 20));
        settings.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 << 20));
        long count = 0;
        long bytes = 0;
        long checksum = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(client.toProperties(settings),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long start = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (count < records) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("consumed only " + count + " of " + records + " from " + topic);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (start == 0) {
                        start = System.nanoTime();   // from the first record: group join is not throughput
                    }
                    if (decode) {
                        checksum += codec.decode(r.value()).pixels()[0];
                    }
                    count++;
                    bytes += r.value().length;
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (checksum == Long.MIN_VALUE) {
                throw new IllegalStateException("unreachable; keeps the decode from being optimised away");
            }
            return Throughput.of(count, bytes, seconds);
        }
    }
}
