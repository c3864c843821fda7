package byot.stream.connectors.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.connectors.dataset.ImageShape;
import byot.stream.connectors.dataset.LabeledImages;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DomainShiftTest {

    @Test
    void parsesAfterAndKind() {
        assertThat(DomainShift.parse("30000:invert")).isEqualTo(new DomainShift(30000, DomainShift.Kind.INVERT));
        assertThat(DomainShift.parse("0:Rotate90").kind()).isEqualTo(DomainShift.Kind.ROTATE90);
        assertThatThrownBy(() -> DomainShift.parse("invert")).hasMessageContaining("AFTER:KIND");
        assertThatThrownBy(() -> DomainShift.parse("5:blur")).hasMessageContaining("invert, rotate90 or noise");
        assertThatThrownBy(() -> DomainShift.parse("x:noise")).hasMessageContaining("event count");
        // A valid kind with a negative start: the start is named, not the kind.
        assertThatThrownBy(() -> DomainShift.parse("-5:invert")).hasMessageContaining("must start at event >= 0, got -5")
                .hasMessageNotContaining("KIND");
    }

    @Test
    void invertsEveryPixel() {
        byte[] pixels = {0, (byte) 255, 100};
        new DomainShift(0, DomainShift.Kind.INVERT).apply(pixels, new ImageShape(1, 1, 3), 1, 0);
        assertThat(pixels).containsExactly((byte) 255, 0, (byte) 155);
    }

    @Test
    void rotatesEachChannelClockwise() {
        // channel 0: 1 2 / 3 4 -> 3 1 / 4 2; channel 1 likewise
        byte[] pixels = {1, 2, 3, 4, 5, 6, 7, 8};
        new DomainShift(0, DomainShift.Kind.ROTATE90).apply(pixels, new ImageShape(2, 2, 2), 1, 0);
        assertThat(pixels).containsExactly(3, 1, 4, 2, 7, 5, 8, 6);
        assertThatThrownBy(() -> new DomainShift(0, DomainShift.Kind.ROTATE90).checkApplicable(new ImageShape(1, 2, 3)))
                .hasMessageContaining("square");
    }

    @Test
    void noiseIsDeterministicPerSeedAndEvent() {
        DomainShift noise = new DomainShift(0, DomainShift.Kind.NOISE);
        ImageShape shape = new ImageShape(1, 28, 28);
        byte[] a = new byte[784];
        byte[] b = new byte[784];
        byte[] c = new byte[784];
        Arrays.fill(a, (byte) 128);
        Arrays.fill(b, (byte) 128);
        Arrays.fill(c, (byte) 128);
        noise.apply(a, shape, 42, 7);
        noise.apply(b, shape, 42, 7);
        noise.apply(c, shape, 42, 8);
        assertThat(a).isEqualTo(b).isNotEqualTo(c);
        double mean = 0;
        double var = 0;
        for (byte p : a) {
            mean += (p & 0xff) / 784.0;
        }
        for (byte p : a) {
            var += Math.pow((p & 0xff) - mean, 2) / 784.0;
        }
        assertThat(mean).isBetween(120.0, 136.0);
        assertThat(Math.sqrt(var)).isBetween(30.0, 50.0);
    }

    @Test
    void classOrderGroupsClassesInFileOrder() {
        byte[] labels = {2, 0, 1, 2, 0, 1};
        LabeledImages data = new LabeledImages("t", new ImageShape(1, 1, 1), 3, new byte[6], labels);
        assertThat(ClassOrder.parse("sorted", 3).order(data)).containsExactly(1, 4, 2, 5, 0, 3);
        assertThat(ClassOrder.parse("2, 0", 3).order(data)).containsExactly(0, 3, 1, 4);
        assertThatThrownBy(() -> ClassOrder.parse("1,3", 3)).hasMessageContaining("class 3");
        assertThatThrownBy(() -> ClassOrder.parse("1,1", 3)).hasMessageContaining("distinct");
        assertThatThrownBy(() -> ClassOrder.parse("a,b", 3)).hasMessageContaining("sorted");
    }
}
