package byot.stream.model.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InputAlignmentTest {

    private static final InputAlignment.Domain REFERENCE = new InputAlignment.Domain(70, 38, 85, 22, 0, 250, 1, 0);
    private static final InputAlignment NEGATIVE = new InputAlignment(List.of(REFERENCE,
            InputAlignment.Domain.mappingOnto(REFERENCE, -1, 255)));

    /** An image of {@code n} pixels: a dark background with a bright object covering {@code share} of it. */
    private static float[] image(int n, double share, boolean negative) {
        float[] px = new float[n];
        for (int i = 0; i < n; i++) {
            float v = i < share * n ? 200 : 3;
            px[i] = negative ? 255 - v : v;
        }
        return px;
    }

    @Test
    void aDomainMappedOntoTheReferenceHasItsStatisticsTakenBackThroughTheMap() {
        InputAlignment.Domain negative = NEGATIVE.domains().get(1);
        assertThat(negative.meanOfMeans()).isEqualTo(185);
        assertThat(negative.meanOfStds()).isEqualTo(85);
        assertThat(negative.low()).isEqualTo(5);
        assertThat(negative.high()).isEqualTo(255);
        // A contrast halved: twice the gain back, spreads and typical standard deviation halved.
        InputAlignment.Domain faded = InputAlignment.Domain.mappingOnto(REFERENCE, 2, -100);
        assertThat(faded.meanOfStds()).isEqualTo(42.5);
        assertThat(faded.spreadOfMeans()).isEqualTo(19);
        assertThat(faded.meanOfMeans()).isEqualTo(85);
    }

    @Test
    void aRouterMapsNegativesBackAndLeavesReferenceImagesAlone() {
        DomainRouter router = new DomainRouter(NEGATIVE);
        float[] negative = image(100, 0.3, true);
        assertThat(router.apply(negative, 0, negative.length)).isEqualTo(1);
        assertThat(negative).containsExactly(image(100, 0.3, false), within(1e-4f));
        float[] plain = image(100, 0.3, false);
        assertThat(router.apply(plain, 0, plain.length)).isZero();
        assertThat(plain).containsExactly(image(100, 0.3, false));
    }

    @Test
    void mappedPixelsStayInTheReferenceRange() {
        InputAlignment bright = new InputAlignment(List.of(REFERENCE, InputAlignment.Domain.mappingOnto(REFERENCE, 3, -300)));
        float[] px = {0, 50, 100, 200, 255};
        bright.map(1, px, 0, px.length);
        assertThat(px).containsExactly(0, 0, 0, 255, 255);
    }

    @Test
    void anAmbiguousImageGoesTheWayTheStreamHasBeenGoing() {
        float[] ambiguous = image(100, 0.5, false);   // mean 101.5: between the reference (70) and the negative (185)
        double[] stats = ImageStatistics.meanAndStd(ambiguous, 0, ambiguous.length);
        DomainRouter afterNegatives = new DomainRouter(NEGATIVE);
        DomainRouter afterPlain = new DomainRouter(NEGATIVE);
        for (int i = 0; i < 100; i++) {
            float[] n = image(100, 0.2, true);
            afterNegatives.apply(n, 0, n.length);
            float[] p = image(100, 0.2, false);
            afterPlain.apply(p, 0, p.length);
        }
        int nearest = NEGATIVE.nearest(stats[0], stats[1]);
        assertThat(afterPlain.route(stats[0], stats[1])).isZero();
        assertThat(afterNegatives.route(stats[0], stats[1])).as("nearest alone: %d", nearest).isEqualTo(1);
        // The floor keeps a domain reachable: a typical negative still goes to the negative after plain images only.
        float[] typical = image(100, 0.3, true);
        assertThat(afterPlain.apply(typical, 0, typical.length)).isEqualTo(1);
    }

    @Test
    void statisticsAreRobustToAFewImagesOfAnotherDomain() {
        SplittableRandom random = new SplittableRandom(1);
        double[] means = new double[200];
        double[] stds = new double[200];
        for (int i = 0; i < means.length; i++) {
            boolean other = i % 10 == 0;
            means[i] = other ? 190 + random.nextGaussian() * 30 : 70 + random.nextGaussian() * 30;
            stds[i] = 85 + random.nextGaussian() * 20;
        }
        long[] histogram = new long[256];
        histogram[0] = 900;
        histogram[128] = 50;
        histogram[255] = 50;
        ImageStatistics stats = ImageStatistics.of(means, stds, histogram);
        assertThat(stats.meanOfMeans()).isCloseTo(70, within(12.0));
        assertThat(stats.spreadOfMeans()).isCloseTo(30, within(8.0));
        assertThat(stats.low()).isZero();
        assertThat(stats.high()).isEqualTo(255);
    }

    @Test
    void refusesWhatCannotBeADomain() {
        assertThatThrownBy(() -> new InputAlignment.Domain(70, 38, 85, 22, 0, 250, 0, 0)).hasMessageContaining("gain");
        assertThatThrownBy(() -> new InputAlignment.Domain(Double.NaN, 38, 85, 22, 0, 250, 1, 0)).hasMessageContaining("finite");
        assertThatThrownBy(() -> new InputAlignment.Domain(70, 0.5, 85, 22, 0, 250, 1, 0)).hasMessageContaining("spreads");
        assertThatThrownBy(() -> new InputAlignment.Domain(70, 38, 85, 22, 250, 0, 1, 0)).hasMessageContaining("low");
        assertThatThrownBy(() -> new InputAlignment(List.of())).hasMessageContaining("reference");
        assertThatThrownBy(() -> new InputAlignment(List.of(NEGATIVE.domains().get(1)))).hasMessageContaining("reference");
        assertThatThrownBy(() -> ImageStatistics.of(new double[0], new double[0], new long[256])).hasMessageContaining("at least one");
    }
}
