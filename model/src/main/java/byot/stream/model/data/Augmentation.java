package byot.stream.model.data;

import byot.stream.model.spec.InputShape;
import java.util.SplittableRandom;

/**
 * Random crop after zero padding, and optional horizontal flip: the CIFAR recipe of the paper.
 * Flip is off by default because it changes the meaning of digits; Fashion-MNIST may turn it on.
 */
public record Augmentation(int padding, boolean horizontalFlip) {

    public static final Augmentation NONE = new Augmentation(0, false);

    public Augmentation {
        if (padding < 0) {
            throw new IllegalArgumentException("padding must be >= 0, got " + padding);
        }
    }

    public boolean isNone() {
        return padding == 0 && !horizontalFlip;
    }

    void apply(byte[] src, int srcOffset, InputShape shape, float[] dst, int dstOffset, SplittableRandom random) {
        int h = shape.height();
        int w = shape.width();
        int dy = padding == 0 ? 0 : random.nextInt(2 * padding + 1) - padding;
        int dx = padding == 0 ? 0 : random.nextInt(2 * padding + 1) - padding;
        boolean flip = horizontalFlip && random.nextBoolean();
        for (int c = 0; c < shape.channels(); c++) {
            int plane = c * h * w;
            for (int y = 0; y < h; y++) {
                int sy = y + dy;
                for (int x = 0; x < w; x++) {
                    int sx = (flip ? w - 1 - x : x) + dx;
                    boolean inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
                    dst[dstOffset + plane + y * w + x] = inside ? src[srcOffset + plane + sy * w + sx] & 0xFF : 0f;
                }
            }
        }
    }
}
