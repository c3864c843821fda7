package byot.stream.connectors.format;

import byot.stream.connectors.format.MalformedRecordException.Reason;
import java.util.Objects;

/**
 * A record that could not be processed, on topic {@code dead-letter} (JSON, see docs/formats.md), with enough to
 * find it again at its source and to replay it once the cause is fixed.
 *
 * @param partition -1 and {@code offset} -1 when the record did not come from Kafka
 * @param timestampMillis the Kafka timestamp of the original record, -1 when unknown
 * @param original the original value bytes, base64 in JSON; empty for a null value
 */
public record DeadLetter(String topic, int partition, long offset, Reason reason, String detail, long timestampMillis,
        byte[] original) {

    public DeadLetter {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
        original = original == null ? new byte[0] : original;
    }

    /** A dead letter for a record that failed with {@code e}: its reason when it is malformed, else UNEXPECTED. */
    public static DeadLetter of(String topic, int partition, long offset, long timestampMillis, byte[] original,
            Exception e) {
        if (e instanceof MalformedRecordException m) {
            return new DeadLetter(topic, partition, offset, m.reason(), m.detail(), timestampMillis, original);
        }
        return new DeadLetter(topic, partition, offset, Reason.UNEXPECTED, String.valueOf(e), timestampMillis, original);
    }
}
