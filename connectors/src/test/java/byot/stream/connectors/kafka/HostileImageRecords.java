package byot.stream.connectors.kafka;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.PixelEncoding;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Malformed image-event records of nine kinds, derived from a valid 1x28x28 event: random bytes, truncations,
 * a wrong magic byte, an unknown format version, a wrong shape, huge dimensions, a pixel-count mismatch, a label
 * out of range and (kind 8) one flipped bit, which may leave a valid record. Shared by the deserializer's fuzz
 * test and the pipeline's.
 */
public final class HostileImageRecords {

    /** Kinds 0..7 are always malformed; kind 8 is a bit flip that can happen to be harmless. */
    public static final int KINDS = 9;
    public static final int FLIPPED_BIT = 8;

    private final ImageEventCodec codec = new ImageEventCodec(ImageLimits.DEFAULT);
    private final SplittableRandom random;

    public HostileImageRecords(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** A valid event of the shape the pipeline tests expect (1x28x28, 10 classes). */
    public static ImageEvent valid(String id, long eventTime, int label) {
        return new ImageEvent(id, eventTime, "camera-" + Math.floorMod(id.hashCode(), 3), label, 28, 28, 1,
                PixelEncoding.RAW_UINT8, new byte[784]);
    }

    public byte[] next(int kind, String id) {
        byte[] valid = codec.encode(valid(id, 1_000L, 3));
        return switch (kind) {
            case 0 -> randomBytes(random.nextInt(0, 2000));
            case 1 -> Arrays.copyOf(valid, random.nextInt(0, valid.length));                                // truncated
            case 2 -> { byte[] b = valid.clone(); b[0] = (byte) random.nextInt(256); if (b[0] == (byte) 0xB1) b[0] = 0; yield b; }
            case 3 -> { byte[] b = valid.clone(); b[1] = 9; yield b; }                                       // unknown version
            case 4 -> codec.encode(new ImageEvent(id, 1_000L, "camera-0", 3, 8, 8, 1, PixelEncoding.RAW_UINT8, new byte[64]));
            case 5 -> withDims(valid, 60_000, 60_000);                                                       // huge dims
            case 6 -> withPixelLength(valid, 700);                                                           // count mismatch
            case 7 -> codec.encode(new ImageEvent(id, 1_000L, "camera-0", 10 + random.nextInt(1000), 28, 28, 1,
                    PixelEncoding.RAW_UINT8, new byte[784]));                                                // label out of range
            case FLIPPED_BIT -> { byte[] b = valid.clone(); int at = random.nextInt(b.length); b[at] ^= (byte) (1 << random.nextInt(8)); yield b; }
            default -> throw new IllegalArgumentException("kind must be 0.." + (KINDS - 1) + ", got " + kind);
        };
    }

    /** Rewrites the u16 height and width at offsets 14 and 16 of the wire format. */
    private static byte[] withDims(byte[] valid, int h, int w) {
        byte[] b = valid.clone();
        ByteBuffer.wrap(b).putShort(14, (short) h).putShort(16, (short) w);
        return b;
    }

    /** Rewrites the i32 pixel length that precedes the last 784 bytes. */
    private static byte[] withPixelLength(byte[] valid, int length) {
        byte[] b = valid.clone();
        ByteBuffer.wrap(b).putInt(b.length - 784 - 4, length);
        return b;
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
