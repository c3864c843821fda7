package byot.stream.connectors.kafka;

import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.ImageEvent;

/**
 * What {@link ImageEventDeserializer} emits for one Kafka record: exactly one of an event or a dead letter. A
 * record, so Flink (1.19 and later) serializes it with its POJO serializer rather than Kryo.
 */
public record Decoded(ImageEvent event, DeadLetter deadLetter) {
    public Decoded {
        if ((event == null) == (deadLetter == null)) {
            throw new IllegalArgumentException("exactly one of event and deadLetter must be set");
        }
    }

    public static Decoded ok(ImageEvent event) {
        return new Decoded(event, null);
    }

    public static Decoded failed(DeadLetter deadLetter) {
        return new Decoded(null, deadLetter);
    }

    public boolean isOk() {
        return event != null;
    }
}
