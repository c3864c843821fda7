package byot.stream.connectors.kafka;

import byot.stream.connectors.format.ImageLimits;
import java.util.Objects;

/**
 * How a job reads topic {@code images}.
 *
 * @param bounded stop at the offsets that were latest when the job started (tests, batch replays)
 */
public record ImageSourceConfig(KafkaClientProperties client, String topic, String groupId, boolean bounded,
        ImageLimits limits) {
    public ImageSourceConfig {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(limits, "limits");
    }
}
