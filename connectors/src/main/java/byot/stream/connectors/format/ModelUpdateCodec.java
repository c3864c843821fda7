package byot.stream.connectors.format;

import byot.stream.connectors.format.MalformedRecordException.Reason;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Binary form of {@link ModelUpdate} (layout in docs/formats.md): magic {@code "BYOM"}, format version, model
 * version, created-at, architecture, SHA-256 of the payload, payload length, payload. A consumer swaps its model
 * only after {@link #decode} has checked the digest, so a corrupted update is rejected rather than served.
 */
public final class ModelUpdateCodec implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final byte[] MAGIC = {'B', 'Y', 'O', 'M'};
    public static final int VERSION = 1;
    /** Matches the {@code models} topic's {@code max.message.bytes}, less room for the header and batch overhead. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 60 << 20;
    private static final int MAX_ARCHITECTURE_BYTES = 0xffff;

    private final int maxPayloadBytes;

    public ModelUpdateCodec(int maxPayloadBytes) {
        if (maxPayloadBytes <= 0) {
            throw new IllegalArgumentException("maxPayloadBytes must be positive, got " + maxPayloadBytes);
        }
        this.maxPayloadBytes = maxPayloadBytes;
    }

    public ModelUpdateCodec() {
        this(DEFAULT_MAX_PAYLOAD_BYTES);
    }

    public byte[] encode(ModelUpdate update) {
        byte[] architecture = update.architecture().getBytes(StandardCharsets.UTF_8);
        if (architecture.length > MAX_ARCHITECTURE_BYTES) {
            throw new IllegalArgumentException("architecture summary is " + architecture.length + " bytes, cap 65535");
        }
        if (update.payload().length > maxPayloadBytes) {
            throw new IllegalArgumentException("model payload is " + update.payload().length + " bytes, cap "
                    + maxPayloadBytes);
        }
        ByteBuffer buf = ByteBuffer.allocate(4 + 1 + 8 + 8 + 2 + architecture.length + 32 + 4 + update.payload().length);
        buf.put(MAGIC).put((byte) VERSION)
                .putLong(update.modelVersion())
                .putLong(update.createdAtMillis())
                .putShort((short) architecture.length).put(architecture)
                .put(update.sha256())
                .putInt(update.payload().length).put(update.payload());
        return buf.array();
    }

    public ModelUpdate decode(byte[] bytes) throws MalformedRecordException {
        if (bytes == null || bytes.length == 0) {
            throw new MalformedRecordException(Reason.EMPTY, "model update has no bytes");
        }
        WireReader in = new WireReader(bytes, "model update");
        byte[] magic = in.bytes(Math.min(4, bytes.length), "magic");
        if (!MessageDigest.isEqual(magic, MAGIC)) {
            throw new MalformedRecordException(Reason.BAD_MAGIC,
                    "starts with 0x" + HexFormat.of().formatHex(magic) + ", expected \"BYOM\"");
        }
        int version = in.u8("version");
        if (version != VERSION) {
            throw new MalformedRecordException(Reason.UNSUPPORTED_VERSION,
                    "model update format version " + version + ", this reader knows " + VERSION);
        }
        long modelVersion = in.i64("model version");
        long createdAt = in.i64("created-at");
        String architecture = in.string("architecture", MAX_ARCHITECTURE_BYTES, true);
        byte[] digest = in.bytes(32, "SHA-256");
        int length = in.i32("payload length");
        if (length < 0 || length > maxPayloadBytes) {
            throw new MalformedRecordException(Reason.OVERSIZED,
                    "model payload length " + length + ", cap " + maxPayloadBytes);
        }
        if (in.remaining() < length) {
            throw new MalformedRecordException(Reason.PAYLOAD_LENGTH_MISMATCH,
                    "payload declares " + length + " bytes, record holds " + in.remaining());
        }
        byte[] payload = in.bytes(length, "payload");
        in.expectEnd();
        byte[] actual = ModelUpdate.sha256(payload);
        if (!MessageDigest.isEqual(digest, actual)) {
            throw new MalformedRecordException(Reason.BAD_CHECKSUM, "payload SHA-256 is "
                    + HexFormat.of().formatHex(actual) + ", header says " + HexFormat.of().formatHex(digest));
        }
        if (modelVersion < 0) {
            throw new MalformedRecordException(Reason.INVALID_FIELD, "model version " + modelVersion);
        }
        return new ModelUpdate(modelVersion, createdAt, architecture, payload);
    }
}
