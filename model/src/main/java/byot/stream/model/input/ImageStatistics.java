package byot.stream.model.input;

import java.util.Arrays;

/**
 * Where a set of images lies in intensity: the median and robust spread (1.4826 × median absolute deviation, a
 * standard deviation for normal data that a minority of other images does not drag) of their per-image mean and
 * standard deviation. Robust because the set an {@link InputAlignment} domain is fitted on may hold a few images of
 * another domain: those around a change.
 *
 * @param meanOfMeans   median per-image mean
 * @param spreadOfMeans robust spread of the per-image means
 * @param meanOfStds    median per-image standard deviation
 * @param spreadOfStds  robust spread of the per-image standard deviations
 * @param low           1st percentile of all their pixels' intensities
 * @param high          99th percentile
 * @param images        how many images
 */
public record ImageStatistics(double meanOfMeans, double spreadOfMeans, double meanOfStds, double spreadOfStds, double low,
                              double high, int images) {

    /** Pixel shares below and above which {@link #low} and {@link #high} lie: the ends of a domain's range. */
    static final double TAIL = 0.01;

    /** Normal-consistency constant of the median absolute deviation. */
    private static final double MAD_TO_SD = 1.4826;

    /**
     * Statistics of images given by their per-image means and standard deviations (same length, at least one) and
     * the histogram of all their pixels (256 intensity levels).
     */
    public static ImageStatistics of(double[] means, double[] stds, long[] histogram) {
        if (means.length == 0 || means.length != stds.length) {
            throw new IllegalArgumentException("need as many per-image means as standard deviations, at least one");
        }
        if (histogram.length != 256) {
            throw new IllegalArgumentException("need a histogram of 256 intensity levels, got " + histogram.length);
        }
        double mm = median(means);
        double ms = median(stds);
        return new ImageStatistics(mm, MAD_TO_SD * medianAbsoluteDeviation(means, mm), ms,
                MAD_TO_SD * medianAbsoluteDeviation(stds, ms), quantile(histogram, TAIL), quantile(histogram, 1 - TAIL),
                means.length);
    }

    /** Adds the raw unsigned 8-bit pixels of one image to a 256-level histogram. */
    public static void count(byte[] pixels, long[] histogram) {
        for (byte b : pixels) {
            histogram[b & 0xFF]++;
        }
    }

    /** The intensity level below which a share {@code q} of the histogram's pixels lie. */
    static double quantile(long[] histogram, double q) {
        long total = 0;
        for (long c : histogram) {
            total += c;
        }
        double wanted = q * total;
        long below = 0;
        for (int level = 0; level < histogram.length; level++) {
            below += histogram[level];
            if (below > wanted) {
                return level;
            }
        }
        return histogram.length - 1;
    }

    /** Mean and (population) standard deviation of one image's pixels, {@code pixels[from, from + length)}. */
    public static double[] meanAndStd(float[] pixels, int from, int length) {
        double sum = 0;
        double squares = 0;
        for (int i = from; i < from + length; i++) {
            sum += pixels[i];
            squares += (double) pixels[i] * pixels[i];
        }
        double mean = sum / length;
        return new double[] {mean, Math.sqrt(Math.max(0, squares / length - mean * mean))};
    }

    /** The same for raw unsigned 8-bit pixels. */
    public static double[] meanAndStd(byte[] pixels) {
        double sum = 0;
        double squares = 0;
        for (byte b : pixels) {
            int v = b & 0xFF;
            sum += v;
            squares += (double) v * v;
        }
        double mean = sum / pixels.length;
        return new double[] {mean, Math.sqrt(Math.max(0, squares / pixels.length - mean * mean))};
    }

    /** These images as an input domain with the given map (spreads floored at {@link InputAlignment.Domain#MIN_SPREAD}). */
    public InputAlignment.Domain domain(double gain, double offset) {
        return new InputAlignment.Domain(meanOfMeans, Math.max(InputAlignment.Domain.MIN_SPREAD, spreadOfMeans), meanOfStds,
                Math.max(InputAlignment.Domain.MIN_SPREAD, spreadOfStds), low, high, gain, offset);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double medianAbsoluteDeviation(double[] values, double median) {
        double[] deviations = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            deviations[i] = Math.abs(values[i] - median);
        }
        return median(deviations);
    }
}
