package byot.stream.connectors.format;

import static byot.stream.connectors.format.ImageEventCodecTest.assertReason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.connectors.format.MalformedRecordException.Reason;
import byot.stream.connectors.signing.ModelKey;
import byot.stream.connectors.signing.ModelKeyFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a model key adds to the SHA-256: updates that anyone who can write the topic could have made are refused. */
class SignedModelUpdateTest {
    @TempDir Path dir;
    private byte[] secret;
    private ModelKeyFile keyFile;
    private ModelUpdateCodec signed;
    private final ModelUpdateCodec unsigned = new ModelUpdateCodec();

    @BeforeEach
    void key() throws Exception {
        secret = new byte[32];
        new Random(5).nextBytes(secret);
        keyFile = new ModelKeyFile(Files.write(dir.resolve("model.key"), secret).toString());
        signed = ModelUpdateCodec.signedWith(keyFile);
    }

    private static ModelUpdate update(long version, int seed) {
        byte[] payload = new byte[4096];
        new Random(seed).nextBytes(payload);
        return new ModelUpdate(version, 1_700_000_000_000L, "multi-exit cnn 1x28x28", payload);
    }

    @Test
    void aSignedUpdateRoundTripsAndCarriesSchemeAndMac() throws Exception {
        ModelUpdate update = update(4, 1);
        byte[] bytes = signed.encode(update);
        assertThat(bytes.length).isEqualTo(unsigned.encode(update).length + 32);
        assertThat(bytes[4]).isEqualTo((byte) 2);
        assertThat(bytes[5]).isEqualTo((byte) ModelUpdateCodec.SCHEME_HMAC_SHA256);
        assertThat(Arrays.copyOfRange(bytes, bytes.length - 32, bytes.length))
                .isEqualTo(ModelKey.of(secret).mac(bytes, 0, bytes.length - 32));
        assertThat(signed.decode(bytes).payload()).isEqualTo(update.payload());
        // A reader without the key cannot verify, but still reads the update (checksum only).
        assertThat(unsigned.decode(bytes).modelVersion()).isEqualTo(4);
    }

    /** The attack of issue 15: the SHA-256 is unkeyed, so whoever can write the topic can make it match. */
    @Test
    void aForgedPayloadWithARecomputedChecksumPassesTheChecksumButNotTheKey() throws Exception {
        byte[] genuine = signed.encode(update(9, 1));
        byte[] forged = genuine.clone();
        byte[] evil = update(9, 2).payload();
        int payloadAt = ModelUpdateCodecTest.headerEnd(forged);
        System.arraycopy(evil, 0, forged, payloadAt, evil.length);
        System.arraycopy(ModelUpdate.sha256(evil), 0, forged, payloadAt - 36, 32);

        assertThat(unsigned.decode(forged).payload()).isEqualTo(evil);
        assertReason(() -> signed.decode(forged), Reason.BAD_SIGNATURE);
    }

    @Test
    void refusesUnsignedUpdatesWhenAKeyIsConfigured() {
        byte[] plain = unsigned.encode(update(3, 1));
        assertReason(() -> signed.decode(plain), Reason.UNSIGNED);
        assertReason(() -> signed.decode(version1(update(3, 1))), Reason.UNSIGNED);
        // Stripping the MAC and setting the scheme to none is an unsigned update, not a way around the key.
        byte[] stripped = Arrays.copyOf(signed.encode(update(3, 1)), plain.length);
        stripped[5] = ModelUpdateCodec.SCHEME_NONE;
        assertReason(() -> signed.decode(stripped), Reason.UNSIGNED);
    }

    @Test
    void refusesUpdatesSignedWithAnotherKeyOrAlteredAnywhere() throws Exception {
        byte[] other = new byte[32];
        new Random(6).nextBytes(other);
        ModelUpdateCodec otherKey = ModelUpdateCodec.signedWith(
                new ModelKeyFile(Files.write(dir.resolve("other.key"), other).toString()));
        assertReason(() -> signed.decode(otherKey.encode(update(5, 1))), Reason.BAD_SIGNATURE);

        byte[] bytes = signed.encode(update(5, 1));
        for (int offset : new int[] {6, 13, 22, ModelUpdateCodecTest.headerEnd(bytes) - 1, bytes.length - 100,
                bytes.length - 1}) {
            byte[] flipped = bytes.clone();
            flipped[offset] ^= 0x01;
            assertReason(() -> signed.decode(flipped), Reason.BAD_SIGNATURE);
        }
        assertReason(() -> signed.decode(Arrays.copyOf(bytes, bytes.length - 1)), Reason.BAD_SIGNATURE);
        assertReason(() -> signed.decode(Arrays.copyOf(bytes, bytes.length + 1)), Reason.BAD_SIGNATURE);
        assertReason(() -> signed.decode(Arrays.copyOf(bytes, 20)), Reason.TRUNCATED);
    }

    /** A length field that would be OVERSIZED for a keyless reader is never looked at before the MAC verifies. */
    @Test
    void verifiesTheMacBeforeParsingAnyFieldAfterTheScheme() {
        byte[] bytes = signed.encode(update(5, 1));
        ByteBuffer.wrap(bytes).putInt(ModelUpdateCodecTest.headerEnd(bytes) - 4, -1);
        assertReason(() -> unsigned.decode(bytes), Reason.OVERSIZED);
        assertReason(() -> signed.decode(bytes), Reason.BAD_SIGNATURE);
    }

    @Test
    void aKeylessReaderStillReadsFormatVersion1() throws Exception {
        ModelUpdate update = update(2, 1);
        ModelUpdate back = unsigned.decode(version1(update));
        assertThat(back.modelVersion()).isEqualTo(2);
        assertThat(back.payload()).isEqualTo(update.payload());
    }

    @Test
    void theKeyStaysOutOfTheSerialisedCodecAndIsReadWhereItIsUsed() throws Exception {
        signed.encode(update(1, 1));   // the key is loaded now
        ByteArrayOutputStream graph = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(graph)) {
            out.writeObject(signed);
        }
        assertThat(indexOf(graph.toByteArray(), secret)).isEqualTo(-1);
        ModelUpdateCodec shipped;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(graph.toByteArray()))) {
            shipped = (ModelUpdateCodec) in.readObject();
        }
        assertThat(shipped.decode(signed.encode(update(8, 1))).modelVersion()).isEqualTo(8);
    }

    @Test
    void aMissingOrShortKeyFileIsADeploymentErrorNotARejectedRecord() throws Exception {
        ModelUpdateCodec missing = ModelUpdateCodec.signedWith(new ModelKeyFile(dir.resolve("absent.key").toString()));
        assertThatThrownBy(() -> missing.encode(update(1, 1))).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("absent.key");
        Path shortKey = Files.writeString(dir.resolve("short.key"), "password\n", StandardCharsets.US_ASCII);
        ModelUpdateCodec weak = ModelUpdateCodec.signedWith(new ModelKeyFile(shortKey.toString()));
        assertThatThrownBy(() -> weak.encode(update(1, 1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds 9 bytes").hasMessageContaining("at least 32")
                .hasMessageContaining("head -c 32 /dev/urandom");
    }

    /** Format version 1 as readers of the previous release wrote it: no scheme byte, no MAC. */
    private static byte[] version1(ModelUpdate u) {
        byte[] arch = u.architecture().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + 1 + 8 + 8 + 2 + arch.length + 32 + 4 + u.payload().length)
                .put(ModelUpdateCodec.MAGIC).put((byte) 1).putLong(u.modelVersion()).putLong(u.createdAtMillis())
                .putShort((short) arch.length).put(arch).put(u.sha256()).putInt(u.payload().length).put(u.payload())
                .array();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }
}
