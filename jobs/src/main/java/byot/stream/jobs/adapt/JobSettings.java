package byot.stream.jobs.adapt;

import byot.stream.connectors.kafka.KafkaClientProperties;
import java.time.Duration;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * Everything a deployment of the pipeline decides besides the graph: Kafka, topics, delivery, checkpoints.
 *
 * @param bounded       stop at the image offsets that were latest at start (replays, tests)
 * @param bufferTimeout longest a record waits in a network buffer between tasks (Flink's default is 100 ms)
 */
public record JobSettings(KafkaClientProperties client, Topics topics, String groupId, DeliveryGuarantee delivery,
                          Duration checkpointInterval, String checkpointDir, boolean bounded, int maxPixelBytes,
                          Duration bufferTimeout) {

    /** Topic names; the defaults are those of docs/formats.md. */
    public record Topics(String images, String predictions, String models, String metrics, String deadLetter) {
        public static Topics defaults() {
            return new Topics("images", "predictions", "models", "metrics", "dead-letter");
        }
    }
}
