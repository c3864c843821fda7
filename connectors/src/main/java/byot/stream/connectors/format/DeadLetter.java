package byot.stream.connectors.format;

import byot.stream.connectors.format.MalformedRecordException.Reason;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A record that could not be processed, on topic {@code dead-letter} (JSON, see docs/formats.md), with enough to
 * find it again at its source and to replay it once the cause is fixed.
 *
 * <p>A dead letter must always fit its own topic, whatever the size of the record it reports: base64 makes the
 * original a third bigger, so a malformed record near the source topic's 1 MiB limit once made a dead letter the
 * producer refused, and the job restarted on the same record forever. So {@code original} keeps at most
 * {@link #MAX_ORIGINAL_BYTES} bytes, and {@code originalLength} with {@code originalSha256} identify the whole
 * record; {@code detail} is cut to {@link #MAX_DETAIL_CHARS}.
 *
 * @param topic           the source topic; for an event rejected inside the job, the stage that rejected it
 *                        ({@link #FINE_TUNE}, {@link #EARLY_EXIT})
 * @param partition       -1 and {@code offset} -1 when the record did not come from Kafka
 * @param timestampMillis the Kafka timestamp of the original record, -1 when unknown
 * @param original        the first {@link #MAX_ORIGINAL_BYTES} bytes of the original value, base64 in JSON; empty for
 *                        a null value
 * @param originalLength  the length of the whole original value
 * @param originalSha256  SHA-256 of the whole original value, lower-case hex
 */
public record DeadLetter(String topic, int partition, long offset, Reason reason, String detail, long timestampMillis,
        byte[] original, long originalLength, String originalSha256) {

    /** 64 KiB: as base64 inside the JSON, far below any producer's or broker's default limit of 1 MiB. */
    public static final int MAX_ORIGINAL_BYTES = 64 << 10;
    public static final int MAX_DETAIL_CHARS = 1024;
    /** {@link #topic} of events the learner could not learn from. */
    public static final String FINE_TUNE = "fine-tune";
    /** {@link #topic} of events inference could not answer. */
    public static final String EARLY_EXIT = "early-exit";

    public DeadLetter {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(originalSha256, "originalSha256");
        original = original == null ? new byte[0] : original;
        if (original.length > MAX_ORIGINAL_BYTES || originalLength < original.length) {
            throw new IllegalArgumentException("original keeps " + original.length + " of " + originalLength
                    + " bytes; at most " + MAX_ORIGINAL_BYTES + " are kept");
        }
        if (!originalSha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("originalSha256 must be 64 lower-case hex digits, got " + originalSha256);
        }
        detail = detail.length() > MAX_DETAIL_CHARS ? detail.substring(0, MAX_DETAIL_CHARS) + "…" : detail;
    }

    /** A dead letter for the whole {@code original} (null for a null value), cut to the kept prefix. */
    public DeadLetter(String topic, int partition, long offset, Reason reason, String detail, long timestampMillis,
            byte[] original) {
        this(topic, partition, offset, reason, detail, timestampMillis, prefix(original), length(original), sha256(original));
    }

    /** A dead letter for a record that failed with {@code e}: its reason when it is malformed, else UNEXPECTED. */
    public static DeadLetter of(String topic, int partition, long offset, long timestampMillis, byte[] original,
            Exception e) {
        if (e instanceof MalformedRecordException m) {
            return new DeadLetter(topic, partition, offset, m.reason(), m.detail(), timestampMillis, original);
        }
        return new DeadLetter(topic, partition, offset, Reason.UNEXPECTED, String.valueOf(e), timestampMillis, original);
    }

    /** Whether {@link #original} holds the whole value. */
    public boolean complete() {
        return original.length == originalLength;
    }

    private static byte[] prefix(byte[] original) {
        if (original == null) {
            return new byte[0];
        }
        return original.length <= MAX_ORIGINAL_BYTES ? original : Arrays.copyOf(original, MAX_ORIGINAL_BYTES);
    }

    private static long length(byte[] original) {
        return original == null ? 0 : original.length;
    }

    private static String sha256(byte[] original) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(original == null ? new byte[0] : original));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime must provide SHA-256", e);
        }
    }
}
