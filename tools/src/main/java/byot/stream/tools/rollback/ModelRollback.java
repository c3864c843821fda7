package byot.stream.tools.rollback;

import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import byot.stream.connectors.kafka.KafkaEndpoints;
import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.jobs.config.UsageException;
import byot.stream.model.MultiExitModel;
import byot.stream.model.io.ModelFile;
import byot.stream.model.io.ModelFormatException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Puts an earlier model version back into service without moving the version line backwards: its weights are
 * published again as the topic's newest version plus one, since consumers take only newer versions. With a key
 * the old record must verify under it and the new one is signed with it, as the job signs its own.
 */
public final class ModelRollback {

    /** What was republished: {@code from} found at {@code where}, out again as {@code as}. */
    public record Result(long from, String where, long as, String weights) {}

    private final KafkaClientProperties client;
    private final ModelUpdateCodec codec;
    private final Duration timeout;

    public ModelRollback(KafkaClientProperties client, ModelUpdateCodec codec, Duration timeout) {
        this.client = client;
        this.codec = codec;
        this.timeout = timeout;
    }

    public Result rollBack(String topic, long version) throws ModelFormatException {
        ModelHistory.Scan scan = new ModelHistory(client, codec, timeout).scan(topic, version);
        Optional<ModelHistory.Found> found = scan.target();
        if (found.isEmpty()) {
            String unread = scan.unreadable().isEmpty() ? ""
                    : "; " + scan.unreadable().size() + " records did not decode" + (codec.signs() ? " or verify under --model-key" : "")
                    + ", first " + scan.unreadable().get(0);
            throw new UsageException("no record of model version " + version + " on " + topic + " (newest: "
                    + (scan.newest() < 0 ? "none" : String.valueOf(scan.newest())) + ")" + unread);
        }
        MultiExitModel model = ModelFile.fromBytes(found.get().update().payload());
        try {
            Optional<String> nonFinite = model.parameters().firstNonFinite();
            if (nonFinite.isPresent()) {
                throw new UsageException("model version " + version + " at " + found.get().where() + " holds NaN or infinite values in "
                        + nonFinite.get());
            }
            long next = scan.newest() + 1;
            // Version N's payload as it was, tensors copied, only the version renumbered: its calibrated thresholds and
            // input alignment belong to its weights and go with them (formats.md promises version N's payload).
            byte[] original = found.get().update().payload();
            byte[] payload = ModelFile.republished(original, next, ModelFile.calibration(original).orElse(null),
                    ModelFile.inputAlignment(original).orElse(null));
            send(topic, new ModelUpdate(next, System.currentTimeMillis(), model.spec().summary(), payload));
            return new Result(version, found.get().where(), next, ModelFile.weightsChecksum(model));
        } finally {
            model.release();
        }
    }

    /** Keyed by version like the job's records; acknowledged by every in-sync replica before this returns. */
    private void send(String topic, ModelUpdate update) {
        // The job's models producer settings: a request and a buffer that hold the largest record the topic takes
        // (Kafka's default 32 MiB buffer refused a 45 MB ResNet18 at width 1).
        Map<String, String> producerSettings = new java.util.HashMap<>(KafkaEndpoints.modelsProducerDefaults());
        producerSettings.put(ProducerConfig.ACKS_CONFIG, "all");
        producerSettings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        var settings = client.toProperties(producerSettings);
        try (var producer = new KafkaProducer<>(settings, new ByteArraySerializer(), new ByteArraySerializer())) {
            byte[] key = ByteBuffer.allocate(Long.BYTES).putLong(update.modelVersion()).array();
            producer.send(new ProducerRecord<>(topic, key, codec.encode(update))).get(timeout.toMillis(),
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("publishing version " + update.modelVersion() + " to " + topic + " failed: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("publishing version " + update.modelVersion() + " to " + topic + " took over " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing to " + topic, e);
        }
    }
}
