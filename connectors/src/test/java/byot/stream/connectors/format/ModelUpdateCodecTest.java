package byot.stream.connectors.format;

import static byot.stream.connectors.format.ImageEventCodecTest.assertReason;
import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.MalformedRecordException.Reason;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ModelUpdateCodecTest {
    private final ModelUpdateCodec codec = new ModelUpdateCodec();

    private static ModelUpdate update(int payloadBytes) {
        byte[] payload = new byte[payloadBytes];
        new Random(42).nextBytes(payload);
        return new ModelUpdate(7, 1_700_000_000_000L, "multi-exit cnn 1x28x28 · 4 exits · 10 classes", payload);
    }

    @Test
    void roundTripsASeveralMegabytePayload() throws Exception {
        ModelUpdate update = update(8 << 20);
        ModelUpdate decoded = codec.decode(codec.encode(update));
        assertThat(decoded.modelVersion()).isEqualTo(7);
        assertThat(decoded.createdAtMillis()).isEqualTo(1_700_000_000_000L);
        assertThat(decoded.architecture()).isEqualTo(update.architecture());
        assertThat(decoded.payload()).isEqualTo(update.payload());
        assertThat(decoded.sha256Hex()).hasSize(64).isEqualTo(update.sha256Hex());
    }

    @Test
    void roundTripsAnEmptyPayload() throws Exception {
        assertThat(codec.decode(codec.encode(update(0))).payload()).isEmpty();
    }

    @Test
    void rejectsAFlippedPayloadByteWithBadChecksum() {
        byte[] bytes = codec.encode(update(1 << 20));
        for (int offset : new int[] {bytes.length - 1, bytes.length - 500_000}) {
            byte[] flipped = bytes.clone();
            flipped[offset] ^= 0x01;
            assertReason(() -> codec.decode(flipped), Reason.BAD_CHECKSUM);
        }
        byte[] flippedDigest = bytes.clone();
        flippedDigest[headerEnd(bytes) - 36] ^= 0x40;
        assertReason(() -> codec.decode(flippedDigest), Reason.BAD_CHECKSUM);
    }

    @Test
    void rejectsEveryKindOfMalformedUpdate() {
        byte[] bytes = codec.encode(update(1000));
        assertReason(() -> codec.decode(new byte[0]), Reason.EMPTY);
        assertReason(() -> codec.decode(Arrays.copyOf(bytes, 3)), Reason.BAD_MAGIC);
        assertReason(() -> codec.decode(Arrays.copyOf(bytes, 10)), Reason.TRUNCATED);
        assertReason(() -> codec.decode(Arrays.copyOf(bytes, bytes.length - 1)), Reason.PAYLOAD_LENGTH_MISMATCH);
        assertReason(() -> codec.decode(Arrays.copyOf(bytes, bytes.length + 1)), Reason.TRAILING_BYTES);
        byte[] badMagic = bytes.clone();
        badMagic[0] = 'X';
        assertReason(() -> codec.decode(badMagic), Reason.BAD_MAGIC);
        byte[] version3 = bytes.clone();
        version3[4] = 3;
        assertReason(() -> codec.decode(version3), Reason.UNSUPPORTED_VERSION);
        byte[] scheme7 = bytes.clone();
        scheme7[5] = 7;
        assertReason(() -> codec.decode(scheme7), Reason.UNKNOWN_SIGNATURE_SCHEME);
        assertReason(() -> new ModelUpdateCodec(999).decode(bytes), Reason.OVERSIZED);
        byte[] negative = bytes.clone();
        ByteBuffer.wrap(negative).putInt(headerEnd(bytes) - 4, -1);
        assertReason(() -> codec.decode(negative), Reason.OVERSIZED);
    }

    /** Offset of the first payload byte (format version 2). */
    static int headerEnd(byte[] bytes) {
        int archLength = ByteBuffer.wrap(bytes).getShort(22) & 0xffff;
        return 4 + 1 + 1 + 8 + 8 + 2 + archLength + 32 + 4;
    }
}
