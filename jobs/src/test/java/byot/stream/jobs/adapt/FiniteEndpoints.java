package byot.stream.jobs.adapt;

import byot.stream.connectors.dataset.ImageShape;
import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.MetricsWindow;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.Prediction;
import byot.stream.connectors.kafka.Decoded;
import byot.stream.model.spec.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * {@link PipelineEndpoints} without a broker: a bounded source over encoded records, decoded as the Kafka source
 * decodes them (a record that fails becomes a dead letter), and sinks that collect into this object. The job ends
 * when the records are read, so a test executes it synchronously. Tasks run in this JVM (MiniCluster) but on
 * serialized copies of the sinks, so what they collect lives in a static map under this run's key.
 */
final class FiniteEndpoints implements AutoCloseable {

    private static final Map<String, Queue<Object>> COLLECTED = new ConcurrentHashMap<>();

    private final String key = UUID.randomUUID().toString();
    private final PipelineEndpoints endpoints;

    /** {@code records} are image events as they would be on the images topic; the limits are the Kafka source's. */
    FiniteEndpoints(List<byte[]> records, ModelSpec spec) {
        ImageLimits limits = ImageLimits.DEFAULT.withNumClasses(spec.numClasses())
                .withExpectedShape(new ImageShape(spec.input().channels(), spec.input().height(), spec.input().width()));
        this.endpoints = new PipelineEndpoints(
                new DataGeneratorSource<>(new DecodeRecord(new ArrayList<>(records), limits), records.size(),
                        TypeInformation.of(Decoded.class)),
                new Collecting<>(key + "/predictions"), new Collecting<>(key + "/dead-letters"),
                new Collecting<>(key + "/models"), new Collecting<>(key + "/metrics"));
    }

    PipelineEndpoints endpoints() {
        return endpoints;
    }

    List<Prediction> predictions() {
        return collected("predictions", Prediction.class);
    }

    List<DeadLetter> deadLetters() {
        return collected("dead-letters", DeadLetter.class);
    }

    List<ModelUpdate> models() {
        return collected("models", ModelUpdate.class);
    }

    List<MetricsWindow> metrics() {
        return collected("metrics", MetricsWindow.class);
    }

    private <T> List<T> collected(String sink, Class<T> type) {
        return COLLECTED.getOrDefault(key + "/" + sink, new ConcurrentLinkedQueue<>()).stream().map(type::cast).toList();
    }

    @Override
    public void close() {
        COLLECTED.keySet().removeIf(k -> k.startsWith(key + "/"));
    }

    /** Record {@code i} decoded as {@code ImageEventDeserializer} decodes a Kafka record, offset {@code i}. */
    private record DecodeRecord(ArrayList<byte[]> records, ImageLimits limits) implements GeneratorFunction<Long, Decoded> {
        @Override
        public Decoded map(Long index) {
            byte[] value = records.get(Math.toIntExact(index));
            try {
                return Decoded.ok(new ImageEventCodec(limits).decode(value));
            } catch (Exception e) {
                return Decoded.failed(DeadLetter.of("in-memory", -1, index, -1, value, e));
            }
        }
    }

    private record Collecting<T>(String key) implements Sink<T> {
        @Override
        public SinkWriter<T> createWriter(WriterInitContext context) {
            Queue<Object> into = COLLECTED.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>());
            return new SinkWriter<>() {
                @Override
                public void write(T element, Context ctx) {
                    into.add(element);
                }

                @Override
                public void flush(boolean endOfInput) {
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
