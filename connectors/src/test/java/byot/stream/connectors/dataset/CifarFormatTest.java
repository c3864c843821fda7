package byot.stream.connectors.dataset;

import static byot.stream.connectors.dataset.DatasetFixtures.cifarRecords;
import static byot.stream.connectors.dataset.DatasetFixtures.pixel;
import static byot.stream.connectors.dataset.DatasetFixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarFormatTest {
    @TempDir Path dir;

    @Test
    void readsCifar10AcrossFilesPlainAndGzipped() throws IOException {
        byte[] records = cifarRecords(5, 1);
        int split = 3 * CifarFormat.Variant.CIFAR10.recordBytes();
        Path first = write(dir.resolve("data_batch_1.bin"), Arrays.copyOf(records, split), false);
        Path second = write(dir.resolve("data_batch_2.bin.gz"), Arrays.copyOfRange(records, split, records.length), true);

        LabeledImages images = CifarFormat.load(List.of(first, second), CifarFormat.Variant.CIFAR10, "cifar10");

        assertThat(images.size()).isEqualTo(5);
        assertThat(images.shape()).isEqualTo(new ImageShape(3, 32, 32));
        assertThat(images.numClasses()).isEqualTo(10);
        assertThat(images.label(4)).isEqualTo(4);
        // CHW: byte 1024 is the first green pixel, straight after the red plane.
        assertThat(images.pixels(4)[1024]).isEqualTo(pixel(4, 1024));
        assertThat(images.pixels(3)[3071]).isEqualTo(pixel(3, 3071));
    }

    @Test
    void cifar100CarriesFineOrCoarseLabel() throws IOException {
        Path file = write(dir.resolve("train.bin"), cifarRecords(25, 2), false);
        LabeledImages fine = CifarFormat.load(List.of(file), CifarFormat.Variant.CIFAR100_FINE, "fine");
        LabeledImages coarse = CifarFormat.load(List.of(file), CifarFormat.Variant.CIFAR100_COARSE, "coarse");
        assertThat(fine.numClasses()).isEqualTo(100);
        assertThat(coarse.numClasses()).isEqualTo(20);
        assertThat(fine.label(13)).isEqualTo(3);
        assertThat(coarse.label(13)).isEqualTo(13);
        assertThat(fine.pixels(13)).containsExactly(coarse.pixels(13));
        assertThat(fine.pixels(13)[0]).isEqualTo(pixel(13, 0));
    }

    @Test
    void rejectsPartialRecord() throws IOException {
        byte[] records = cifarRecords(2, 1);
        Path file = write(dir.resolve("b.bin"), Arrays.copyOf(records, records.length - 1), false);
        assertThatThrownBy(() -> CifarFormat.open(List.of(file), CifarFormat.Variant.CIFAR10))
                .isInstanceOf(DatasetFormatException.class)
                .hasMessageContaining("truncated: 6145 bytes is not a whole number of 3073-byte CIFAR10 records");
    }

    @Test
    void rejectsCifar10LabelAbove9() throws IOException {
        byte[] records = cifarRecords(1, 1);
        records[0] = 10;
        Path file = write(dir.resolve("b.bin"), records, false);
        assertThatThrownBy(() -> CifarFormat.load(List.of(file), CifarFormat.Variant.CIFAR10, "c"))
                .isInstanceOf(DatasetFormatException.class)
                .hasMessageContaining("label 10 of image 0 is not below 10 classes");
    }
}
