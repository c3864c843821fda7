package byot.stream.jobs.adapt;

import byot.stream.connectors.dataset.ImageShape;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.kafka.ImageSourceConfig;
import byot.stream.connectors.kafka.KafkaEndpoints;
import byot.stream.connectors.kafka.SinkConfig;
import byot.stream.model.spec.ModelSpec;
import org.apache.flink.connector.base.DeliveryGuarantee;

/** The pipeline's endpoints on Kafka. Images of another shape than the model's are dead letters at the source. */
public final class KafkaPipelineEndpoints {

    private KafkaPipelineEndpoints() {
    }

    public static PipelineEndpoints of(JobSettings s, ModelSpec spec) {
        ImageLimits limits = ImageLimits.DEFAULT.withMaxPixelBytes(s.maxPixelBytes()).withNumClasses(spec.numClasses())
                .withExpectedShape(new ImageShape(spec.input().channels(), spec.input().height(), spec.input().width()));
        JobSettings.Topics t = s.topics();
        return new PipelineEndpoints(
                KafkaEndpoints.images(new ImageSourceConfig(s.client(), t.images(), s.groupId(), s.bounded(), limits)),
                KafkaEndpoints.predictions(sink(s, t.predictions())),
                KafkaEndpoints.deadLetters(sink(s, t.deadLetter())),
                KafkaEndpoints.models(sink(s, t.models()), s.modelKey()),
                KafkaEndpoints.metrics(sink(s, t.metrics())));
    }

    private static SinkConfig sink(JobSettings s, String topic) {
        return s.delivery() == DeliveryGuarantee.EXACTLY_ONCE
                ? SinkConfig.exactlyOnce(s.client(), topic, s.groupId() + "-" + topic)
                : SinkConfig.atLeastOnce(s.client(), topic);
    }
}
