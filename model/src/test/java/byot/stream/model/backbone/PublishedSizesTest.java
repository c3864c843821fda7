package byot.stream.model.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;

import byot.stream.model.network.BackboneCount;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.InputShape;
import byot.stream.model.spec.ModelSpec;
import org.junit.jupiter.api.Test;

/**
 * Full-width networks on 3x32x32 images against published sizes (sources in docs/model.md): weights and
 * multiply-accumulates of the plain network (backbone and deepest classifier, no shallow exits), within 2%.
 * Counted from the builder's own layer description, so nothing is allocated.
 */
class PublishedSizesTest {

    private static final double TOLERANCE = 0.02;

    @Test
    void presetsMatchPublishedWeightCounts() {
        // BYOT's CIFAR-100 presets.
        assertWeights(11.22e6, preset(Architecture.RESNET18, 100));
        assertWeights(23.71e6, preset(Architecture.RESNET50, 100));
        assertWeights(42.70e6, preset(Architecture.RESNET101, 100));
        assertWeights(58.34e6, preset(Architecture.RESNET152, 100));
        assertWeights(20.09e6, preset(Architecture.VGG19_BN, 100));
        assertWeights(52.5e6, preset(Architecture.WRN28_12, 100));
        assertWeights(34.4e6, preset(Architecture.RESNEXT29_8, 100));
        // WRN-20-8 and WRN-44-8 have the blocks of WRN-16-8 and WRN-40-8 (n = floor((d-4)/6)).
        assertWeights(11.0e6, preset(Architecture.WRN20_8, 100));
        assertWeights(35.748314e6, preset(Architecture.WRN44_8, 10));
    }

    @Test
    void presetsMatchPublishedMacs() {
        assertMacs(0.56e9, preset(Architecture.RESNET18, 100));
        assertMacs(0.40e9, preset(Architecture.VGG19_BN, 100));
        assertMacs(5176.90e6, preset(Architecture.WRN44_8, 10));
    }

    @Test
    void publishedRelativesOfThePresetsMatch() {
        ModelSpec cifar10 = cifar(Architecture.WRN28_12, 10);
        assertSize(36_479_194, 5246.98e6, new WideResNet(cifar10, 28, 10), cifar10);
        assertSize(17_116_634, 2414.04e6, new WideResNet(cifar10, 16, 10), cifar10);
        assertSize(68_155_210, 10709.34e6, new ResNeXt(cifar10, 29, 16, 64), cifar10);
        ModelSpec cifar100 = cifar(Architecture.PYRAMIDNET101_240, 100);
        // PyramidNet-101 (alpha 240) has no published size; the paper's bottleneck PyramidNets do.
        assertWeights(27.0e6, BackboneCount.of(new PyramidNet(cifar100, 164, 270), cifar100));
        assertWeights(26.6e6, BackboneCount.of(new PyramidNet(cifar100, 200, 240), cifar100));
        assertWeights(26.8e6, BackboneCount.of(new PyramidNet(cifar100, 236, 220), cifar100));
        assertWeights(26.0e6, BackboneCount.of(new PyramidNet(cifar100, 272, 200), cifar100));
    }

    @Test
    void pyramidNet101MatchesItsClosedForm() {
        // No published size; sum the paper's block description by hand instead: widths 16 + 240 i / 33
        // (i = 1..33), each block BN(in), 1x1 in->w, BN, 3x3 w->w, BN, 1x1 w->4w, BN; shortcuts have no weights.
        long expected = 3 * 9 * 16 + 2 * 16;
        int in = 16;
        for (int i = 1; i <= 33; i++) {
            long w = Math.round(Math.rint(16 + 240.0 * i / 33));
            expected += 2L * in + in * w + 2 * w + 9 * w * w + 2 * w + 4 * w * w + 2 * 4 * w;
            in = (int) (4 * w);
        }
        expected += 2L * in + in * 100L + 100;
        BackboneCount count = preset(Architecture.PYRAMIDNET101_240, 100);
        assertEquals(1024, in);
        assertEquals(expected, count.weights());
        assertEquals(1024L * 100, count.headMacs());
    }

    private static BackboneCount preset(Architecture arch, int classes) {
        return BackboneCount.of(cifar(arch, classes));
    }

    private static ModelSpec cifar(Architecture arch, int classes) {
        return new ModelSpec(arch, new InputShape(3, 32, 32), classes, 1.0, 0.5f, 0.25f);
    }

    private static void assertSize(long weights, double macs, Backbone backbone, ModelSpec spec) {
        BackboneCount count = BackboneCount.of(backbone, spec);
        assertWeights(weights, count);
        assertMacs(macs, count);
    }

    private static void assertWeights(double published, BackboneCount count) {
        assertEquals(published, count.weights(), published * TOLERANCE, "weights " + count.weights() + " vs published " + published);
    }

    private static void assertMacs(double published, BackboneCount count) {
        assertEquals(published, count.macs(), published * TOLERANCE, "MACs " + count.macs() + " vs published " + published);
    }
}
