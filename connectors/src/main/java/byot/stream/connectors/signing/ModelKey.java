package byot.stream.connectors.signing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret that signs models: HMAC-SHA-256 keyed with the bytes of a key file, exactly as they are (no text
 * decoding, so a trailing newline is part of the key). Whoever holds it can publish models that verify; a SHA-256
 * anyone can recompute cannot do that. Never serialised and never printed; a job graph carries {@link ModelKeyFile}.
 */
public final class ModelKey {
    /** HMAC-SHA-256 keys shorter than its output weaken it; 32 random bytes are the floor. */
    public static final int MIN_BYTES = 32;
    public static final int MAC_BYTES = 32;
    public static final String HOW_TO_MAKE_ONE = "head -c 32 /dev/urandom > model.key";
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec secret;

    private ModelKey(byte[] secret) {
        this.secret = new SecretKeySpec(secret, ALGORITHM);
    }

    public static ModelKey of(byte[] secret) {
        if (secret.length < MIN_BYTES) {
            throw new IllegalArgumentException("a model key needs at least " + MIN_BYTES + " bytes, got "
                    + secret.length + " (make one with: " + HOW_TO_MAKE_ONE + ")");
        }
        return new ModelKey(secret);
    }

    /** The key is the file's bytes; a file shorter than {@link #MIN_BYTES} is refused, not padded. */
    public static ModelKey read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < MIN_BYTES) {
            throw new IllegalArgumentException("model key file " + file + " holds " + bytes.length
                    + " bytes, a key needs at least " + MIN_BYTES + " (make one with: " + HOW_TO_MAKE_ONE + ")");
        }
        return new ModelKey(bytes);
    }

    public byte[] mac(byte[] data, int offset, int length) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);   // a Mac is stateful and not thread-safe: one per call
            mac.init(secret);
            mac.update(data, offset, length);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java runtime must provide " + ALGORITHM, e);
        }
    }

    /** Compares in constant time, so response timing does not reveal how much of a forged MAC was right. */
    public boolean verifies(byte[] data, int offset, int length, byte[] mac) {
        return MessageDigest.isEqual(mac(data, offset, length), mac);
    }

    @Override
    public String toString() {
        return "ModelKey[HMAC-SHA-256]";
    }
}
