package byot.stream.connectors.format;

/**
 * A record that does not decode. {@link #reason()} is stable and machine-readable (it lands in dead letters and
 * metrics); {@link #detail()} is for people.
 */
public final class MalformedRecordException extends Exception {

    /** Why a record was rejected. Names are part of the dead-letter format: add, never rename. */
    public enum Reason {
        /** Null or zero-length value, e.g. a tombstone on a topic that never has them. */
        EMPTY,
        /** Ends before a field it announces. */
        TRUNCATED,
        BAD_MAGIC,
        UNSUPPORTED_VERSION,
        UNKNOWN_ENCODING,
        /** A zero dimension, or not the shape the consumer was configured to expect. */
        BAD_SHAPE,
        /** Pixel byte count is not height x width x channels. */
        PIXEL_COUNT_MISMATCH,
        /** Label below -1, or not below the configured number of classes. */
        LABEL_OUT_OF_RANGE,
        /** Over a configured cap: pixel bytes, a dimension, a string, a model payload. */
        OVERSIZED,
        /** Bytes left after the last field. */
        TRAILING_BYTES,
        /** A string that is empty where required, or not valid UTF-8. */
        BAD_STRING,
        /** Model payload does not match its SHA-256. */
        BAD_CHECKSUM,
        /** Model payload shorter than its declared length. */
        PAYLOAD_LENGTH_MISMATCH,
        /** Not parseable JSON, or JSON of the wrong structure. */
        BAD_JSON,
        /** Well-formed, but a field breaks the format's invariants. */
        INVALID_FIELD,
        /** A decoder failure nobody anticipated; kept as a dead letter rather than failing the job. */
        UNEXPECTED,
        /** A labelled event of a fine-tuning step whose loss was NaN or infinite; the step was skipped. */
        NON_FINITE_LOSS,
        /** An event for which the served model produced a NaN or infinite confidence; it got no prediction. */
        NON_FINITE_OUTPUT,
        /** A model update without a signature, read by a consumer that has a model key. */
        UNSIGNED,
        /** A model update whose HMAC does not verify under the consumer's key: forged, altered or another key's. */
        BAD_SIGNATURE,
        /** A model update's signature scheme code this reader does not know. */
        UNKNOWN_SIGNATURE_SCHEME
    }

    private final Reason reason;
    private final String detail;

    public MalformedRecordException(Reason reason, String detail) {
        super(reason + ": " + detail);
        this.reason = reason;
        this.detail = detail;
    }

    public MalformedRecordException(Reason reason, String detail, Throwable cause) {
        super(reason + ": " + detail, cause);
        this.reason = reason;
        this.detail = detail;
    }

    public Reason reason() {
        return reason;
    }

    public String detail() {
        return detail;
    }
}
