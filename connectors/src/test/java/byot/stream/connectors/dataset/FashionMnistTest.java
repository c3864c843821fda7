package byot.stream.connectors.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {

    @Test
    void missingDirectoryExplainsHowToGetTheData(@TempDir Path empty) throws IOException {
        Files.createFile(empty.resolve(FashionMnist.Split.TRAIN.imagesFile()));
        assertThatThrownBy(() -> FashionMnist.locate(Optional.of(empty)))
                .isInstanceOf(DatasetNotFoundException.class)
                .hasMessageContaining("sudo apt-get install -y dataset-fashion-mnist")
                .hasMessageContaining("lacks train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz")
                .hasMessageNotContaining("lacks train-images");
    }

    @Test
    void splitNamesParse() {
        assertThat(FashionMnist.Split.parse("train")).isEqualTo(FashionMnist.Split.TRAIN);
        assertThat(FashionMnist.Split.parse("TEST")).isEqualTo(FashionMnist.Split.TEST);
        assertThat(FashionMnist.Split.parse("t10k")).isEqualTo(FashionMnist.Split.TEST);
        assertThatThrownBy(() -> FashionMnist.Split.parse("val")).hasMessageContaining("use train or test");
        assertThat(FashionMnist.CLASS_NAMES).hasSize(FashionMnist.NUM_CLASSES).startsWith("T-shirt/top").endsWith("Ankle boot");
    }

    /** Reads the Debian package {@code dataset-fashion-mnist}; skipped only where it is not installed. */
    @Test
    void readsTheInstalledPackage() throws IOException {
        assumeTrue(new FashionMnist(FashionMnist.DEFAULT_DIR).missingFiles().isEmpty(),
                "dataset-fashion-mnist is not installed");
        FashionMnist dataset = FashionMnist.locate(Optional.empty());

        LabeledImages test = dataset.load(FashionMnist.Split.TEST);
        assertThat(test.size()).isEqualTo(10_000);
        assertThat(test.shape()).isEqualTo(FashionMnist.SHAPE);
        assertThat(test.classCounts()).containsOnly(1_000);
        assertThat(test.name()).isEqualTo("fashion-mnist-test");
        try (LabeledImageStream train = dataset.open(FashionMnist.Split.TRAIN)) {
            assertThat(train.size()).isEqualTo(60_000);
            assertThat(train.next().label()).isEqualTo(9);   // the first training image is an ankle boot
        }
    }
}
