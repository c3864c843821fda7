package byot.stream.connectors.format;

import byot.stream.connectors.format.MalformedRecordException.Reason;
import byot.stream.connectors.signing.ModelKey;
import byot.stream.connectors.signing.ModelKeyFile;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * Binary form of {@link ModelUpdate} (layout in docs/formats.md): magic {@code "BYOM"}, format version, signature
 * scheme, model version, created-at, architecture, SHA-256 of the payload, payload length, payload, and with
 * scheme 1 an HMAC-SHA-256 of everything before it. A consumer swaps its model only after {@link #decode} has
 * checked the digest, so a corrupted update is rejected rather than served.
 *
 * <p>The SHA-256 catches corruption only: anyone who can write the topic can recompute it. A codec built with
 * {@link #signedWith} signs what it encodes and decodes only updates whose HMAC verifies under its key, checked
 * before any field after the scheme is parsed; unsigned updates (format version 1, or scheme 0) are refused. A
 * codec without a key writes scheme 0 and reads every version and scheme, checking the SHA-256 alone.
 */
public final class ModelUpdateCodec implements Serializable {
    private static final long serialVersionUID = 2L;

    public static final byte[] MAGIC = {'B', 'Y', 'O', 'M'};
    public static final int VERSION = 2;
    /** Version 1: no signature scheme byte, no MAC; still read, as unsigned. */
    static final int UNSIGNED_VERSION = 1;
    public static final int SCHEME_NONE = 0;
    public static final int SCHEME_HMAC_SHA256 = 1;
    /** Matches the {@code models} topic's {@code max.message.bytes}, less room for the header and batch overhead. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 60 << 20;
    private static final int MAX_ARCHITECTURE_BYTES = 0xffff;

    private final int maxPayloadBytes;
    /** Null: this codec neither signs nor requires signatures. */
    private final ModelKeyFile keyFile;
    /** Read from {@link #keyFile} on first use, on the machine that uses the codec; never serialised. */
    private transient volatile ModelKey key;

    private ModelUpdateCodec(int maxPayloadBytes, ModelKeyFile keyFile) {
        if (maxPayloadBytes <= 0) {
            throw new IllegalArgumentException("maxPayloadBytes must be positive, got " + maxPayloadBytes);
        }
        this.maxPayloadBytes = maxPayloadBytes;
        this.keyFile = keyFile;
    }

    public ModelUpdateCodec(int maxPayloadBytes) {
        this(maxPayloadBytes, null);
    }

    public ModelUpdateCodec() {
        this(DEFAULT_MAX_PAYLOAD_BYTES);
    }

    /** Signs every update it encodes and decodes only updates signed with the same key. */
    public static ModelUpdateCodec signedWith(ModelKeyFile keyFile, int maxPayloadBytes) {
        return new ModelUpdateCodec(maxPayloadBytes, Objects.requireNonNull(keyFile, "keyFile"));
    }

    public static ModelUpdateCodec signedWith(ModelKeyFile keyFile) {
        return signedWith(keyFile, DEFAULT_MAX_PAYLOAD_BYTES);
    }

    /** Signed with the key where there is one, else unsigned: what a job with an optional {@code --model-key} uses. */
    public static ModelUpdateCodec forKey(Optional<ModelKeyFile> keyFile) {
        return keyFile.map(ModelUpdateCodec::signedWith).orElseGet(ModelUpdateCodec::new);
    }

    public boolean signs() {
        return keyFile != null;
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
        int macBytes = signs() ? ModelKey.MAC_BYTES : 0;
        ByteBuffer buf = ByteBuffer.allocate(4 + 1 + 1 + 8 + 8 + 2 + architecture.length + 32 + 4
                + update.payload().length + macBytes);
        buf.put(MAGIC).put((byte) VERSION).put((byte) (signs() ? SCHEME_HMAC_SHA256 : SCHEME_NONE))
                .putLong(update.modelVersion())
                .putLong(update.createdAtMillis())
                .putShort((short) architecture.length).put(architecture)
                .put(update.sha256())
                .putInt(update.payload().length).put(update.payload());
        if (signs()) {
            buf.put(key().mac(buf.array(), 0, buf.position()));
        }
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
        if (version != VERSION && version != UNSIGNED_VERSION) {
            throw new MalformedRecordException(Reason.UNSUPPORTED_VERSION,
                    "model update format version " + version + ", this reader knows " + UNSIGNED_VERSION + " and "
                            + VERSION);
        }
        int scheme = version == UNSIGNED_VERSION ? SCHEME_NONE : in.u8("signature scheme");
        if (scheme != SCHEME_NONE && scheme != SCHEME_HMAC_SHA256) {
            throw new MalformedRecordException(Reason.UNKNOWN_SIGNATURE_SCHEME,
                    "signature scheme " + scheme + ", this reader knows 0 (none) and 1 (HMAC-SHA-256)");
        }
        if (signs() && scheme == SCHEME_NONE) {
            throw new MalformedRecordException(Reason.UNSIGNED, "unsigned model update (format version " + version
                    + "), and a model key is configured");
        }
        int macBytes = scheme == SCHEME_HMAC_SHA256 ? ModelKey.MAC_BYTES : 0;
        if (signs()) {
            verify(bytes, in.position());
        }
        ModelUpdate update = body(in, macBytes);
        in.bytes(macBytes, "HMAC-SHA-256");   // verified above, or unverifiable here without a key
        in.expectEnd();
        return update;
    }

    /** Before anything after the scheme byte is read: until the MAC verifies, none of it is the publisher's. */
    private void verify(byte[] bytes, int headerBytes) throws MalformedRecordException {
        int signed = bytes.length - ModelKey.MAC_BYTES;
        if (signed < headerBytes) {
            throw new MalformedRecordException(Reason.TRUNCATED, "model update of " + bytes.length
                    + " bytes is too short to hold an HMAC-SHA-256");
        }
        byte[] mac = new byte[ModelKey.MAC_BYTES];
        System.arraycopy(bytes, signed, mac, 0, mac.length);
        if (!key().verifies(bytes, 0, signed, mac)) {
            throw new MalformedRecordException(Reason.BAD_SIGNATURE, "HMAC-SHA-256 does not verify under the"
                    + " configured model key: forged, altered, or signed with another key");
        }
    }

    private ModelUpdate body(WireReader in, int trailerBytes) throws MalformedRecordException {
        long modelVersion = in.i64("model version");
        long createdAt = in.i64("created-at");
        String architecture = in.string("architecture", MAX_ARCHITECTURE_BYTES, true);
        byte[] digest = in.bytes(32, "SHA-256");
        int length = in.i32("payload length");
        if (length < 0 || length > maxPayloadBytes) {
            throw new MalformedRecordException(Reason.OVERSIZED,
                    "model payload length " + length + ", cap " + maxPayloadBytes);
        }
        int available = in.remaining() - trailerBytes;
        if (available < length) {
            throw new MalformedRecordException(Reason.PAYLOAD_LENGTH_MISMATCH,
                    "payload declares " + length + " bytes, record holds " + Math.max(0, available));
        }
        byte[] payload = in.bytes(length, "payload");
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

    /**
     * A key file that is missing or too short is a deployment error, not a bad record: it fails the task loudly
     * instead of turning every update into a rejection.
     */
    private ModelKey key() {
        ModelKey k = key;
        if (k == null) {
            try {
                k = keyFile.read();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read model key file " + keyFile.path() + ": " + e, e);
            }
            key = k;
        }
        return k;
    }
}
