package byot.stream.model.input;

/**
 * Routes the images of one stream through an {@link InputAlignment}: each image to the domain with the highest
 * posterior, its likelihood under each domain's statistics times that domain's share of the stream's recent images
 * (an exponential average over about {@link #MEMORY} images). Image statistics alone overlap: on Fashion-MNIST 5 %
 * of un-shifted images are brighter than the darkest inverted ones; but a stream's images come in runs of one
 * domain, and the share settles an ambiguous image the way its neighbours went. No share falls below
 * {@link #FLOOR}: an image typical of another domain still goes there (a share floor of 1 % kept the first inverted
 * images of a stream on the reference), and a stream that returns to another domain is followed within a few dozen
 * images.
 *
 * <p>Mutable and not thread-safe: one per consumer (an inference instance, the learner).
 */
public final class DomainRouter {

    /** Images the recent shares average over (the rate of the exponential average is its inverse). */
    static final int MEMORY = 32;
    /** Least share a domain keeps, so that it stays reachable. */
    static final double FLOOR = 0.05;

    private final InputAlignment alignment;
    private final double[] share;

    /** Starts from equal shares: the first few dozen images settle them. */
    public DomainRouter(InputAlignment alignment) {
        this.alignment = alignment;
        this.share = new double[alignment.domains().size()];
        java.util.Arrays.fill(share, 1.0 / share.length);
    }

    public InputAlignment alignment() {
        return alignment;
    }

    /** The domain an image with these statistics goes to; the shares learn from it. */
    public int route(double mean, double std) {
        int best = 0;
        double lowest = Double.POSITIVE_INFINITY;
        for (int d = 0; d < share.length; d++) {
            double cost = alignment.misfit(d, mean, std) - Math.log(Math.max(FLOOR, share[d]));
            if (cost < lowest) {
                lowest = cost;
                best = d;
            }
        }
        for (int d = 0; d < share.length; d++) {
            share[d] += ((d == best ? 1 : 0) - share[d]) / MEMORY;
        }
        return best;
    }

    /** Routes the image in {@code pixels[from, from + length)} and maps it in place; returns the domain's index. */
    public int apply(float[] pixels, int from, int length) {
        double[] stats = ImageStatistics.meanAndStd(pixels, from, length);
        int d = route(stats[0], stats[1]);
        alignment.map(d, pixels, from, length);
        return d;
    }
}
