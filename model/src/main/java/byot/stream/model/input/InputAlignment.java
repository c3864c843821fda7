package byot.stream.model.input;

import java.util.Arrays;
import java.util.List;

/**
 * Photometric alignment of raw pixels to the intensities a model learned on: for each input domain the stream has
 * shown (the first is the reference, the one the model was trained on), the spread of its images' intensity
 * statistics and the affine map {@code gain * x + offset} that brings its images to the reference's intensities.
 * Each image is routed to the domain its statistics fit best (per-image mean and standard deviation of its pixels,
 * weighed by how often the stream's recent images came from each domain: {@link DomainRouter}), then mapped; an
 * image routed to the reference is left as it is. A change of exposure, gain, contrast or polarity (white-hot against black-hot, a negative) is an affine
 * change of every pixel, which this undoes exactly; noise, blur or new content are not, and are left to the learner.
 *
 * <p>A learner fits it ({@code byot.stream.jobs.operators.drift.InputAligner}) and publishes it with each model
 * version, in the model file's header ({@code inputAlignment}, docs/model.md), so inference maps exactly as the
 * learner did. Immutable; each consumer routes with a {@link DomainRouter} of its own.
 *
 * @param domains the reference first; at least one
 */
public record InputAlignment(List<Domain> domains) {

    /**
     * One input domain: where its images' statistics lie (in raw intensity levels, 0-255) and how to map them.
     *
     * @param meanOfMeans   typical per-image mean intensity
     * @param spreadOfMeans spread of the per-image means (a robust standard deviation), at least {@link #MIN_SPREAD}
     * @param meanOfStds    typical per-image standard deviation of intensity
     * @param spreadOfStds  spread of the per-image standard deviations, at least {@link #MIN_SPREAD}
     * @param low           1st percentile of the domain's pixel intensities (its dark end, e.g. a background)
     * @param high          99th percentile (its bright end)
     * @param gain          multiplies every pixel of an image routed here; negative reverses polarity; never 0
     * @param offset        added after the gain (the result is clamped to 0-255, the reference's range)
     */
    public record Domain(double meanOfMeans, double spreadOfMeans, double meanOfStds, double spreadOfStds, double low,
                         double high, double gain, double offset) {

        /** Spreads below one intensity level would make routing hinge on rounding. */
        public static final double MIN_SPREAD = 1.0;

        public Domain {
            double[] all = {meanOfMeans, spreadOfMeans, meanOfStds, spreadOfStds, low, high, gain, offset};
            for (double v : all) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("input domain values must be finite, got " + Arrays.toString(all));
                }
            }
            if (spreadOfMeans < MIN_SPREAD || spreadOfStds < MIN_SPREAD) {
                throw new IllegalArgumentException("input domain spreads must be at least " + MIN_SPREAD + ", got "
                        + spreadOfMeans + " and " + spreadOfStds);
            }
            if (gain == 0) {
                throw new IllegalArgumentException("input domain gain must not be 0");
            }
            if (low > high) {
                throw new IllegalArgumentException("input domain's low intensity " + low + " is above its high " + high);
            }
        }

        /**
         * The domain whose images {@code gain * x + offset} maps onto {@code reference}'s: its statistics are the
         * reference's taken back through the map (an affine map scales every image's mean and standard deviation,
         * and their spreads, by the same |gain|).
         */
        public static Domain mappingOnto(Domain reference, double gain, double offset) {
            double scale = 1 / Math.abs(gain);
            double a = (reference.low - offset) / gain;
            double b = (reference.high - offset) / gain;
            return new Domain((reference.meanOfMeans - offset) / gain, Math.max(MIN_SPREAD, reference.spreadOfMeans * scale),
                    reference.meanOfStds * scale, Math.max(MIN_SPREAD, reference.spreadOfStds * scale), Math.min(a, b),
                    Math.max(a, b), gain, offset);
        }

        /** The reference domain: statistics only, images left as they are. */
        public static Domain reference(ImageStatistics statistics) {
            return statistics.domain(1, 0);
        }

        boolean identity() {
            return gain == 1 && offset == 0;
        }

        /** Squared distance, in standard scores of this domain's spreads, of an image with these statistics. */
        public double distance(double mean, double std) {
            double dm = (mean - meanOfMeans) / spreadOfMeans;
            double ds = (std - meanOfStds) / spreadOfStds;
            return dm * dm + ds * ds;
        }
    }

    public InputAlignment {
        if (domains == null || domains.isEmpty()) {
            throw new IllegalArgumentException("an input alignment needs at least its reference domain");
        }
        domains = List.copyOf(domains);
        if (!domains.get(0).identity()) {
            throw new IllegalArgumentException("the first input domain is the reference: gain 1, offset 0");
        }
    }

    /** This alignment with one more domain. */
    public InputAlignment with(Domain domain) {
        List<Domain> more = new java.util.ArrayList<>(domains);
        more.add(domain);
        return new InputAlignment(more);
    }

    /** The domain that fits an image with these statistics best, by likelihood alone (no stream context). */
    public int nearest(double mean, double std) {
        int best = 0;
        for (int d = 1; d < domains.size(); d++) {
            if (misfit(d, mean, std) < misfit(best, mean, std)) {
                best = d;
            }
        }
        return best;
    }

    /**
     * How badly an image with these statistics fits domain {@code d}: its negative log-likelihood under the domain's
     * spreads (two independent normals), up to a constant shared by every domain.
     */
    double misfit(int d, double mean, double std) {
        Domain domain = domains.get(d);
        return domain.distance(mean, std) / 2 + Math.log(domain.spreadOfMeans() * domain.spreadOfStds());
    }

    /** Maps the image in {@code pixels[from, from + length)} in place by domain {@code d}'s gain and offset. */
    void map(int d, float[] pixels, int from, int length) {
        Domain domain = domains.get(d);
        if (!domain.identity()) {
            float gain = (float) domain.gain();
            float offset = (float) domain.offset();
            for (int i = from; i < from + length; i++) {
                pixels[i] = Math.max(0f, Math.min(255f, gain * pixels[i] + offset));
            }
        }
    }
}
