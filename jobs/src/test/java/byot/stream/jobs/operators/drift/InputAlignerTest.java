package byot.stream.jobs.operators.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.connectors.dataset.FashionMnist;
import byot.stream.connectors.dataset.LabeledImages;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.PixelEncoding;
import byot.stream.model.input.DomainRouter;
import byot.stream.model.input.InputAlignment;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class InputAlignerTest {

    private static final int EXITS = 4;
    private static LabeledImages images;

    @BeforeAll
    static void loadImages() throws Exception {
        images = FashionMnist.locate(Optional.empty()).load(FashionMnist.Split.TEST);
    }

    /** Test image {@code i} as an event, its pixels through {@code shift}; three in ten labelled. */
    private static ImageEvent image(int i, SplittableRandom random, IntUnaryOperator shift) {
        byte[] p = images.pixels(i % images.size()).clone();
        for (int j = 0; j < p.length; j++) {
            p[j] = (byte) Math.max(0, Math.min(255, shift.applyAsInt(p[j] & 0xFF)));
        }
        int label = random.nextInt(10) < 3 ? images.label(i % images.size()) : ImageEvent.UNLABELED;
        return new ImageEvent("e" + i, i, "test", label, 28, 28, 1, PixelEncoding.RAW_UINT8, p);
    }

    /**
     * A model that is right on every exit when an image, as mapped, has the reference's dark background (its first
     * pixel below 64), and wrong otherwise: what a model trained on the reference does with a negative.
     */
    private static int[] score(List<ImageEvent> events, InputAlignment candidate) {
        DomainRouter router = new DomainRouter(candidate);
        int[] right = new int[events.size()];
        for (int i = 0; i < right.length; i++) {
            byte[] raw = events.get(i).pixels();
            float[] px = new float[raw.length];
            for (int j = 0; j < px.length; j++) {
                px[j] = raw[j] & 0xFF;
            }
            router.apply(px, 0, px.length);
            right[i] = px[0] < 64 ? EXITS : 0;
        }
        return right;
    }

    /** Feeds events until the aligner is ready, and fits; empty when it never got ready. */
    private static Optional<Optional<InputAlignment>> feed(InputAligner aligner, int from, int count, IntUnaryOperator shift,
                                                          SplittableRandom random) {
        return feed(aligner, from, count, shift, random, InputAlignerTest::score);
    }

    private static Optional<Optional<InputAlignment>> feed(InputAligner aligner, int from, int count, IntUnaryOperator shift,
                                                          SplittableRandom random, InputAligner.Scorer scorer) {
        for (int i = from; i < from + count; i++) {
            aligner.observe(image(i, random, shift), true);
            if (aligner.ready()) {
                return Optional.of(aligner.fit(scorer));
            }
        }
        return Optional.empty();
    }

    @Test
    void aNegativeOfTheStreamIsMappedBackWithinAWindowOfTheChange() {
        SplittableRandom random = new SplittableRandom(1);
        InputAligner aligner = new InputAligner(12, EXITS, null);
        assertThat(feed(aligner, 0, 2000, v -> v, random)).as("the reference domain never looks new").isEmpty();
        assertThat(aligner.current().domains()).hasSize(1);

        Optional<Optional<InputAlignment>> fitted = feed(aligner, 2000, InputAligner.MEMORY, v -> 255 - v, random);
        assertThat(fitted).as("ready within the strangers' memory of the change").isPresent();
        InputAlignment adopted = fitted.get().orElseThrow();
        InputAlignment.Domain negative = adopted.domains().get(1);
        assertThat(negative.gain()).isNegative().isCloseTo(-1, org.assertj.core.data.Offset.offset(0.25));
        // Mapped back: the negative's background (255) lands near the reference's (0).
        assertThat(negative.gain() * 255 + negative.offset()).isBetween(-30.0, 30.0);
        assertThat(aligner.current()).isEqualTo(adopted);
        // The same domain again is known now: no second fit.
        assertThat(feed(aligner, 3000, 500, v -> 255 - v, random)).isEmpty();
    }

    @Test
    void twoPartitionsApartAreMappedWhileOnlyOneHasChanged() {
        SplittableRandom random = new SplittableRandom(5);
        InputAligner aligner = new InputAligner(12, EXITS, null);
        feed(aligner, 0, 600, v -> v, random);
        // The learner reads both partitions; the one ahead is already negative, the other not yet.
        Optional<InputAlignment> adopted = Optional.empty();
        for (int i = 600; i < 600 + InputAligner.MEMORY && adopted.isEmpty(); i++) {
            aligner.observe(image(i, random, i % 2 == 0 ? v -> 255 - v : v -> v), true);
            if (aligner.ready()) {
                adopted = aligner.fit(InputAlignerTest::score);
            }
        }
        assertThat(adopted).as("mapped within the strangers' memory, half the events still of the reference").isPresent();
        assertThat(adopted.get().domains().get(1).gain()).isNegative();
    }

    @Test
    void aNewDomainThatNoMapHelpsIsKeptAsItComes() {
        SplittableRandom random = new SplittableRandom(2);
        InputAligner aligner = new InputAligner(12, EXITS, null);
        feed(aligner, 0, 600, v -> v, random);
        // Washed out, but a model that still answers right: no map can beat the images as they came.
        Optional<Optional<InputAlignment>> fitted = feed(aligner, 600, 400, v -> v / 3 + 170, random,
                (events, candidate) -> java.util.Collections.nCopies(events.size(), EXITS).stream().mapToInt(Integer::intValue).toArray());
        assertThat(fitted).isPresent();
        assertThat(fitted.get()).isEmpty();
        assertThat(aligner.current().domains()).hasSize(2);
        assertThat(aligner.current().domains().get(1).gain()).isEqualTo(1.0);
    }

    /** Blank start-up frames as the reference leave no intensity range to map onto: kept as it comes, not a failed task. */
    @Test
    void aReferenceOfOneIntensityKeepsANewDomainAsItComes() {
        SplittableRandom random = new SplittableRandom(6);
        InputAligner aligner = new InputAligner(12, EXITS, null);
        feed(aligner, 0, 600, v -> 0, random);
        Optional<Optional<InputAlignment>> fitted = feed(aligner, 600, InputAligner.MEMORY, v -> 255 - v, random);
        assertThat(fitted).as("the negatives are a new domain").isPresent();
        assertThat(fitted.get()).as("no map onto a range of width 0").isEmpty();
        assertThat(aligner.current().domains()).hasSize(2);
        assertThat(aligner.current().domains().get(1).gain()).isEqualTo(1.0);
    }

    @Test
    void heldOutAndUnlabelledEventsNeverChooseTheMap() {
        SplittableRandom random = new SplittableRandom(3);
        InputAligner aligner = new InputAligner(12, EXITS, null);
        for (int i = 0; i < 2000; i++) {
            aligner.observe(image(i, random, i < 600 ? v -> v : v -> 255 - v), false);
            assertThat(aligner.ready()).isFalse();
        }
    }

    @Test
    void startsFromTheAlignmentTheModelCarries() {
        SplittableRandom random = new SplittableRandom(4);
        InputAligner first = new InputAligner(12, EXITS, null);
        feed(first, 0, 600, v -> v, random);
        InputAlignment adopted = feed(first, 600, 400, v -> 255 - v, random).orElseThrow().orElseThrow();
        // After a restore the learner starts from the published alignment: the negative is known at once.
        InputAligner restored = new InputAligner(12, EXITS, adopted);
        assertThat(feed(restored, 0, 500, v -> 255 - v, random)).isEmpty();
        assertThat(restored.current()).isEqualTo(adopted);
    }

    @Test
    void refusesMinimumsOutsideTheWindow() {
        assertThatThrownBy(() -> new InputAligner(0, EXITS, null)).hasMessageContaining("input-alignment-min-labelled");
        assertThatThrownBy(() -> new InputAligner(InputAligner.MIN_STRANGERS + 1, EXITS, null))
                .hasMessageContaining("input-alignment-min-labelled");
    }
}
