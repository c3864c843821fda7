package byot.stream.model;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Small learnable images for tests: class k is a bright horizontal bar at row band k plus noise. */
public final class TinyData {
    public final INDArray pixels;
    public final int[] labels;

    public TinyData(int n, int classes, int channels, int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] data = new float[n * channels * size * size];
        labels = new int[n];
        int band = Math.max(1, size / classes);
        for (int i = 0; i < n; i++) {
            int label = random.nextInt(classes);
            labels[i] = label;
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        boolean bar = y / band == label;
                        data[((i * channels + c) * size + y) * size + x] = (bar ? 200f : 30f) + (float) random.nextDouble(-25, 25);
                    }
                }
            }
        }
        pixels = Nd4j.create(data, new long[] {n, channels, size, size}, 'c');
    }
}
