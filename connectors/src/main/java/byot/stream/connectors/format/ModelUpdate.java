package byot.stream.connectors.format;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A trained model on topic {@code models}; encoded by {@link ModelUpdateCodec}. The payload is opaque here: it is a
 * model file written by {@code model/}.
 *
 * @param architecture one line describing the network, e.g. {@code "multi-exit cnn 1x28x28, 4 exits, 10 classes"}
 */
public record ModelUpdate(long modelVersion, long createdAtMillis, String architecture, byte[] payload) {

    public ModelUpdate {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(payload, "payload");
        if (modelVersion < 0) {
            throw new IllegalArgumentException("modelVersion must be >= 0, got " + modelVersion);
        }
    }

    public byte[] sha256() {
        return sha256(payload);
    }

    public String sha256Hex() {
        return HexFormat.of().formatHex(sha256());
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime must provide SHA-256", e);
        }
    }
}
