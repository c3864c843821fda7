package byot.stream.jobs.operators.drift;

/**
 * Two versions (or two maps) answering the same events: the mean of the per-event differences {@code a[i] - b[i]}
 * (exits right, say) and its standard error. Paired because both answer every event, which removes the events'
 * own difficulty from the noise; the publish gate and the input aligner both decide with it.
 *
 * @param mean          mean difference per event
 * @param standardError its standard error (sample variance over n - 1, at least 1)
 */
public record PairedDifference(double mean, double standardError) {

    /** @param a, b the same events' scores, in the same order */
    public static PairedDifference of(int[] a, int[] b) {
        int n = a.length;
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += a[i] - b[i];
        }
        mean /= n;
        double variance = 0;
        for (int i = 0; i < n; i++) {
            double d = a[i] - b[i] - mean;
            variance += d * d;
        }
        variance /= Math.max(1, n - 1);
        return new PairedDifference(mean, Math.sqrt(variance / n));
    }

    /**
     * Whether the mean is above zero by more than {@code z} standard errors (one-sided). Every event differing by the
     * same positive count is a sure difference, not a division by a zero standard error.
     */
    public boolean surelyPositive(double z) {
        return mean > 0 && (standardError == 0 || mean / standardError > z);
    }
}
