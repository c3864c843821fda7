package byot.stream.connectors.kafka;

import java.util.Map;

/** A topic as this project creates it. */
public record TopicSpec(String name, int partitions, Map<String, String> configs) {
    public TopicSpec {
        if (name == null || name.isBlank() || partitions <= 0) {
            throw new IllegalArgumentException("topic needs a name and partitions > 0: " + name + ", " + partitions);
        }
        configs = Map.copyOf(configs);
    }
}
