package byot.stream.tools.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.jobs.config.UsageException;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.InputShape;
import byot.stream.model.spec.ModelSpec;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DatasetChoiceTest {

    @Test
    void imagesForAModelOfTheirShapeLoad() throws Exception {
        ModelSpec fashion = ModelSpec.fashionMnist(Architecture.RESNET18, 0.0625);
        assertThat(DatasetChoice.FASHION_MNIST.loadFor(fashion, Optional.empty(), "test").size()).isEqualTo(10_000);
    }

    @Test
    void imagesOfAnotherShapeThanTheModelsAreAUsageErrorNamingBoth() {
        ModelSpec cifarShaped = new ModelSpec(Architecture.RESNET18, new InputShape(3, 32, 32), 10, 0.0625, 0.47f, 0.25f);
        assertThatThrownBy(() -> DatasetChoice.FASHION_MNIST.loadFor(cifarShaped, Optional.empty(), "test"))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("model expects " + cifarShaped.input())
                .hasMessageContaining("fashion-mnist has " + new InputShape(1, 28, 28));
    }

    @Test
    void imagesOfTheModelsShapeButAnotherClassCountAreAUsageError() {
        // A cifar100 model scored on cifar10 has the same input; its 100 outputs against labels 0-9 would be near chance.
        ModelSpec hundred = new ModelSpec(Architecture.RESNET18, new InputShape(1, 28, 28), 100, 0.0625, 0.29f, 0.35f);
        assertThatThrownBy(() -> DatasetChoice.FASHION_MNIST.loadFor(hundred, Optional.empty(), "test"))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("model has 100 classes, fashion-mnist has 10");
    }
}
