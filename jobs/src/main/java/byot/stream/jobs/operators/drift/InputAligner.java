package byot.stream.jobs.operators.drift;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.model.input.ImageStatistics;
import byot.stream.model.input.InputAlignment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The learner's side of {@link InputAlignment}: notices when images of another intensity domain arrive, and fits the
 * affine map that brings them back to the reference's intensities.
 *
 * <p>Watching: each event's per-image mean and standard deviation. The reference domain is the first
 * {@value #REFERENCE_EVENTS} events' (the stream the model was deployed on), unless the starting model carries an
 * alignment. An event that no known domain explains (more than {@value #STRANGER_DISTANCE} in squared standard scores
 * from each: 5 % of a domain's own images) is a stranger. When at least {@value #MIN_STRANGERS} of the newest
 * {@value #MEMORY} events are strangers, the older and newer halves of them agree (one domain, not a drift under way),
 * they lie together more than {@value #SHIFT_SPREADS} spreads from every known domain, and at least
 * {@code minLabelled} of them carry labels the learner may score on (not held out for the publish gate), they are a
 * new domain. Strangers, not a window of all events: a stream read from several partitions mixes the new domain
 * with the old one for as long as the partitions are apart (until the learner's view catches up), and waiting for a window
 * of the new domain alone would leave the partition that is ahead unmapped all that time.
 *
 * <p>Fitting: the map sends the new domain's intensity range (1st to 99th percentile of its pixels) onto the
 * reference's, {@code |gain| = span_ref / span_new}, either way round: dark end to dark end, or (a negative) bright
 * end to dark end. Intensities cannot tell a negative from an image that is simply brighter, so the labels choose:
 * the version inference serves answers the strangers' labelled events three ways (as they came, and mapped with
 * either sign); the better map is adopted when it gets more exits right than leaving the images alone by at least
 * {@value #MIN_GAIN} of the exits on average and a paired one-sided test at 1 % says so. Otherwise the new domain is kept with no map (images left alone), so the same
 * images are no strangers any more. Either way the strangers are forgotten.
 *
 * <p>Not checkpointed beyond the alignment itself, which travels in the model file: after a restore the strangers
 * gather again.
 */
public final class InputAligner {

    /** Events the reference domain is estimated from when the starting model carries no alignment. */
    static final int REFERENCE_EVENTS = 256;
    /** Squared standard score (over the two statistics) beyond which no known domain explains an image. */
    static final double STRANGER_DISTANCE = 6;
    /** Newest events among which strangers are counted; older strangers are forgotten. */
    public static final int MEMORY = 96;
    /** Strangers among the newest {@link #MEMORY} events that make a new domain. */
    public static final int MIN_STRANGERS = 16;
    /** How far, in a domain's spreads, the strangers' medians must lie from every known domain. */
    static final double SHIFT_SPREADS = 1.5;
    /** How close, in the strangers' own spreads, the medians of their older and newer halves must be. */
    static final double SETTLED_SPREADS = 0.75;
    /** Domains kept at most, the reference included: later strangers are left to the learner. */
    static final int MAX_DOMAINS = 8;
    /** Least gain in exits right per event (as a share of the exits) that adopts a map. */
    static final double MIN_GAIN = 0.1;
    /** One-sided 99 % quantile of the standard normal. */
    static final double Z_ONE_SIDED = 2.326;

    /** Scores a candidate alignment: for each event, how many exits of the current model classify it correctly. */
    @FunctionalInterface
    public interface Scorer {
        int[] correctExits(List<ImageEvent> events, InputAlignment candidate);
    }

    /**
     * An observed event: its position among those observed, its statistics and pixels, and the event when it may be
     * scored on.
     */
    private record Observed(long seen, double mean, double std, byte[] pixels, ImageEvent scorable) {}

    private final int minLabelled;
    private final int exits;
    private final List<Observed> referenceImages = new ArrayList<>();
    private final ArrayDeque<Observed> strangers = new ArrayDeque<>();
    private long seen;
    private InputAlignment alignment;

    /**
     * @param minLabelled labelled, scorable strangers a new domain needs before its map is chosen
     * @param exits       the model's exit count (a scorer counts exits right per event)
     * @param start       the alignment the starting model carries, or {@code null}
     */
    public InputAligner(int minLabelled, int exits, InputAlignment start) {
        if (minLabelled < 1 || minLabelled > MIN_STRANGERS) {
            throw new IllegalArgumentException("input-alignment-min-labelled must be in [1, " + MIN_STRANGERS + "], got "
                    + minLabelled);
        }
        this.minLabelled = minLabelled;
        this.exits = exits;
        this.alignment = start;
    }

    /** The alignment to publish with the next version; {@code null} until the reference domain is known. */
    public InputAlignment current() {
        return alignment;
    }

    /**
     * One event the learner saw, in stream order.
     *
     * @param scorable whether its label may choose a map (labelled, and not held out for the publish gate)
     */
    public void observe(ImageEvent event, boolean scorable) {
        double[] stats = ImageStatistics.meanAndStd(event.pixels());
        seen++;
        Observed observed = new Observed(seen, stats[0], stats[1], event.pixels(), scorable && event.labeled() ? event : null);
        if (alignment == null) {
            referenceImages.add(observed);
            if (referenceImages.size() >= REFERENCE_EVENTS) {
                alignment = new InputAlignment(List.of(InputAlignment.Domain.reference(statistics(referenceImages))));
                referenceImages.clear();
            }
            return;
        }
        while (!strangers.isEmpty() && strangers.peekFirst().seen() <= seen - MEMORY) {
            strangers.removeFirst();
        }
        if (!explained(stats[0], stats[1])) {
            strangers.addLast(observed);
        }
    }

    private boolean explained(double mean, double std) {
        for (InputAlignment.Domain known : alignment.domains()) {
            if (known.distance(mean, std) <= STRANGER_DISTANCE) {
                return true;
            }
        }
        return false;
    }

    /** Whether the strangers are a domain of their own, with enough labelled events to choose its map. */
    public boolean ready() {
        if (alignment == null || strangers.size() < MIN_STRANGERS || scorable().size() < minLabelled
                || alignment.domains().size() >= MAX_DOMAINS) {
            return false;
        }
        ImageStatistics now = statistics(strangers);
        if (!settled(now)) {
            return false;
        }
        for (InputAlignment.Domain known : alignment.domains()) {
            boolean far = Math.abs(now.meanOfMeans() - known.meanOfMeans()) > SHIFT_SPREADS * known.spreadOfMeans()
                    || Math.abs(now.meanOfStds() - known.meanOfStds()) > SHIFT_SPREADS * known.spreadOfStds();
            if (!far) {
                return false;
            }
        }
        return true;
    }

    /**
     * Chooses the map of the strangers' domain (call when {@link #ready}) and forgets them.
     *
     * @return the alignment now current when a map was adopted; empty when the new domain is kept with no map
     */
    public Optional<InputAlignment> fit(Scorer scorer) {
        ImageStatistics now = statistics(strangers);
        List<ImageEvent> labelled = scorable();
        strangers.clear();
        InputAlignment.Domain reference = alignment.domains().get(0);
        InputAlignment asTheyCame = alignment.with(now.domain(1, 0));
        int[] base = scorer.correctExits(labelled, asTheyCame);
        // The map sends the new domain's intensity range onto the reference's, dark end to dark end or, reversed, bright
        // end to dark end. The ends of the range, not the typical image's mean: the strangers are the new domain's
        // images least like the reference's (a biased sample of it), but nearly every image has pixels at both ends
        // (background and object), and a model is far more sensitive to where the background lands than to contrast:
        // a negative Fashion-MNIST mapped with its background at 16 instead of 0 was classified at 0.34-0.45, not 0.9.
        double span = (reference.high() - reference.low()) / Math.max(1, now.high() - now.low());
        if (!(span > 0)) {
            // A reference of nearly one intensity (blank start-up frames): no range to map onto, and a gain of 0 is
            // no map at all (it has no inverse). The new domain is kept as it comes.
            alignment = asTheyCame;
            return Optional.empty();
        }
        InputAlignment best = null;
        double bestGain = 0;
        for (double gain : new double[] {span, -span}) {
            double offset = reference.low() - gain * (gain > 0 ? now.low() : now.high());
            InputAlignment candidate = alignment.with(InputAlignment.Domain.mappingOnto(reference, gain, offset));
            int[] right = scorer.correctExits(labelled, candidate);
            PairedDifference better = PairedDifference.of(right, base);
            if (better.mean() > bestGain && labelled.size() >= 2 && better.surelyPositive(Z_ONE_SIDED)) {
                best = candidate;
                bestGain = better.mean();
            }
        }
        if (best != null && bestGain / exits >= MIN_GAIN) {
            alignment = best;
            return Optional.of(best);
        }
        alignment = asTheyCame;
        return Optional.empty();
    }

    private List<ImageEvent> scorable() {
        List<ImageEvent> labelled = new ArrayList<>();
        for (Observed s : strangers) {
            if (s.scorable() != null) {
                labelled.add(s.scorable());
            }
        }
        return labelled;
    }

    /** Whether the strangers' older and newer halves agree: one domain, not a drift still under way. */
    private boolean settled(ImageStatistics whole) {
        List<Observed> all = new ArrayList<>(strangers);
        ImageStatistics older = statistics(all.subList(0, all.size() / 2));
        ImageStatistics newer = statistics(all.subList(all.size() / 2, all.size()));
        double spreadOfMeans = Math.max(InputAlignment.Domain.MIN_SPREAD, whole.spreadOfMeans());
        double spreadOfStds = Math.max(InputAlignment.Domain.MIN_SPREAD, whole.spreadOfStds());
        return Math.abs(older.meanOfMeans() - newer.meanOfMeans()) <= SETTLED_SPREADS * spreadOfMeans
                && Math.abs(older.meanOfStds() - newer.meanOfStds()) <= SETTLED_SPREADS * spreadOfStds;
    }

    private static ImageStatistics statistics(java.util.Collection<Observed> images) {
        double[] means = new double[images.size()];
        double[] stds = new double[images.size()];
        long[] histogram = new long[256];
        int i = 0;
        for (Observed image : images) {
            means[i] = image.mean();
            stds[i++] = image.std();
            ImageStatistics.count(image.pixels(), histogram);
        }
        return ImageStatistics.of(means, stds, histogram);
    }
}
