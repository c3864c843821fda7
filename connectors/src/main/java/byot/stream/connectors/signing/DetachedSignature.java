package byot.stream.connectors.signing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * A model file's signature in a file beside it, {@code <file>.sig}: one line {@code hmac-sha256:<64 hex digits>},
 * the HMAC-SHA-256 of the file's bytes. The model file's own format stays as it is, so unsigned tools keep
 * reading it.
 */
public final class DetachedSignature {
    static final String PREFIX = "hmac-sha256:";

    private DetachedSignature() {
    }

    public static Path pathOf(Path file) {
        return file.resolveSibling(file.getFileName() + ".sig");
    }

    /** Signs the file as it is now; returns where the signature went. */
    public static Path sign(Path file, ModelKey key) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        Path sig = pathOf(file);
        Files.writeString(sig, PREFIX + HexFormat.of().formatHex(key.mac(bytes, 0, bytes.length)) + "\n",
                StandardCharsets.US_ASCII);
        return sig;
    }

    /**
     * The file's bytes, once they verify. The caller decodes these very bytes, never a second read of the file,
     * so a file swapped after the check is not what gets used.
     *
     * @throws IOException the signature file is missing or malformed, or does not match the bytes under this key
     */
    public static byte[] readVerified(Path file, ModelKey key) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        Path sig = pathOf(file);
        if (!Files.isRegularFile(sig)) {
            throw new NoSuchFileException(sig.toString(), null, "a model key is configured, so " + file
                    + " must be signed: byot sign --model-key KEY --model " + file);
        }
        // Decoded leniently: a stray BOM or binary content is a malformed signature to name, not a charset error.
        String text = new String(Files.readAllBytes(sig), StandardCharsets.ISO_8859_1).strip();
        byte[] mac;
        try {
            if (!text.startsWith(PREFIX)) {
                throw new IllegalArgumentException("no " + PREFIX + " prefix");
            }
            mac = HexFormat.of().parseHex(text.substring(PREFIX.length()));
            if (mac.length != ModelKey.MAC_BYTES) {
                throw new IllegalArgumentException(2 * mac.length + " hex digits");
            }
        } catch (IllegalArgumentException e) {
            throw new IOException(sig + " is not a model signature (expected one line " + PREFIX
                    + "<64 hex digits>): " + e.getMessage());
        }
        if (!key.verifies(bytes, 0, bytes.length, mac)) {
            throw new IOException("signature " + sig + " does not match " + file
                    + " under the configured model key: the file was changed or signed with another key");
        }
        return bytes;
    }
}
