package byot.stream.jobs;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.PixelEncoding;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Learnable 28x28 image events for pipeline tests: class k is a bright horizontal band at rows
 * [k*2, k*2+2) over a noisy dark background. {@code inverted} flips every pixel, a domain shift.
 */
public final class SyntheticImages {

    private SyntheticImages() {
    }

    public static List<ImageEvent> events(int n, int classes, double labeledFraction, boolean inverted, long seed,
                                          String idPrefix, long firstEventTime) {
        SplittableRandom random = new SplittableRandom(seed);
        List<ImageEvent> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int label = random.nextInt(classes);
            byte[] pixels = new byte[28 * 28];
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    int v = (y / 2 == label ? 210 : 25) + random.nextInt(-20, 21);
                    pixels[y * 28 + x] = (byte) (inverted ? 255 - v : v);
                }
            }
            boolean labeled = random.nextDouble() < labeledFraction;
            out.add(new ImageEvent(idPrefix + i, firstEventTime + i * 10L, "camera-" + (i % 4),
                    labeled ? label : ImageEvent.UNLABELED, 28, 28, 1, PixelEncoding.RAW_UINT8, pixels));
        }
        return out;
    }

    /** The true class of an event produced by {@link #events}, read back from its pixels. */
    public static int trueClass(ImageEvent e, boolean inverted) {
        int best = 0;
        long bestSum = Long.MIN_VALUE;
        for (int band = 0; band < 14; band++) {
            long sum = 0;
            for (int y = band * 2; y < band * 2 + 2; y++) {
                for (int x = 0; x < 28; x++) {
                    int v = e.pixels()[y * 28 + x] & 0xFF;
                    sum += inverted ? 255 - v : v;
                }
            }
            if (sum > bestSum) {
                bestSum = sum;
                best = band;
            }
        }
        return best;
    }
}
