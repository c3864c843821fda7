package byot.stream.connectors.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DetachedSignatureTest {
    @TempDir Path dir;

    private static ModelKey key(int seed) {
        byte[] secret = new byte[32];
        new Random(seed).nextBytes(secret);
        return ModelKey.of(secret);
    }

    private Path file(String name, int seed) throws IOException {
        byte[] bytes = new byte[10_000];
        new Random(seed).nextBytes(bytes);
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void aSignedFileVerifiesAndComesBackByteForByte() throws Exception {
        Path model = file("model.byot", 1);
        Path sig = DetachedSignature.sign(model, key(1));
        assertThat(sig).isEqualTo(dir.resolve("model.byot.sig"));
        assertThat(Files.readString(sig)).matches("hmac-sha256:[0-9a-f]{64}\n");
        assertThat(DetachedSignature.readVerified(model, key(1))).isEqualTo(Files.readAllBytes(model));
    }

    @Test
    void refusesAnUnsignedFileNamingTheCommandThatSignsIt() throws Exception {
        Path model = file("model.byot", 1);
        assertThatThrownBy(() -> DetachedSignature.readVerified(model, key(1))).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("model.byot.sig").hasMessageContaining("byot sign");
    }

    @Test
    void refusesAChangedFileAnotherKeyAndAMalformedSignature() throws Exception {
        Path model = file("model.byot", 1);
        DetachedSignature.sign(model, key(1));
        assertThatThrownBy(() -> DetachedSignature.readVerified(model, key(2))).isInstanceOf(IOException.class)
                .hasMessageContaining("does not match");

        byte[] bytes = Files.readAllBytes(model);
        bytes[5000] ^= 0x01;
        Files.write(model, bytes);
        assertThatThrownBy(() -> DetachedSignature.readVerified(model, key(1))).isInstanceOf(IOException.class)
                .hasMessageContaining("does not match");

        Files.writeString(DetachedSignature.pathOf(model), "sha256:abc\n");
        assertThatThrownBy(() -> DetachedSignature.readVerified(model, key(1))).isInstanceOf(IOException.class)
                .hasMessageContaining("not a model signature");
        // Too short to be a MAC at all: a malformed file, not "another key".
        Files.writeString(DetachedSignature.pathOf(model), "hmac-sha256:abcd\n");
        assertThatThrownBy(() -> DetachedSignature.readVerified(model, key(1))).isInstanceOf(IOException.class)
                .hasMessageContaining("not a model signature").hasMessageContaining("4 hex digits");
        // Not ASCII (a BOM, binary): named as malformed, with the file, rather than a charset decoder's message.
        Files.write(DetachedSignature.pathOf(model), new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'h', (byte) 0xFF});
        assertThatThrownBy(() -> DetachedSignature.readVerified(model, key(1))).isInstanceOf(IOException.class)
                .hasMessageContaining("not a model signature").hasMessageContaining("model.byot.sig");
    }

    @Test
    void aKeyIsAtLeast32BytesOfItsFileTakenVerbatim() throws Exception {
        Path text = Files.writeString(dir.resolve("text.key"), "0123456789abcdef0123456789abcdef\n");
        assertThat(ModelKey.read(text).mac(new byte[] {1}, 0, 1))
                .isEqualTo(ModelKey.of(Files.readAllBytes(text)).mac(new byte[] {1}, 0, 1))
                .isNotEqualTo(ModelKey.of("0123456789abcdef0123456789abcdef".getBytes()).mac(new byte[] {1}, 0, 1));
        Path shortKey = Files.write(dir.resolve("short.key"), new byte[31]);
        assertThatThrownBy(() -> ModelKey.read(shortKey)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("31 bytes").hasMessageContaining("at least 32");
        assertThat(key(1).toString()).doesNotContain("[B@");
    }
}
