package byot.stream.connectors.dataset;

import static byot.stream.connectors.dataset.DatasetFixtures.idxImages;
import static byot.stream.connectors.dataset.DatasetFixtures.idxLabels;
import static byot.stream.connectors.dataset.DatasetFixtures.pixel;
import static byot.stream.connectors.dataset.DatasetFixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxFormatTest {
    @TempDir Path dir;

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void loadsPixelsAndLabelsInFileOrder(boolean gzip) throws IOException {
        Path images = write(dir.resolve("img"), idxImages(IdxFormat.IMAGES_MAGIC, 5, 4, 3), gzip);
        Path labels = write(dir.resolve("lbl"), idxLabels(IdxFormat.LABELS_MAGIC, 5, 3), gzip);

        LabeledImages split = IdxFormat.load(images, labels, 3, "tiny");

        assertThat(split.size()).isEqualTo(5);
        assertThat(split.shape()).isEqualTo(new ImageShape(1, 4, 3));
        assertThat(split.numClasses()).isEqualTo(3);
        assertThat(split.label(4)).isEqualTo(1);
        assertThat(split.pixels(3)[11]).isEqualTo(pixel(3, 11));
        assertThat(split.classCounts()).containsExactly(2, 2, 1);
    }

    @Test
    void streamsTheSameImagesAsLoad() throws IOException {
        Path images = write(dir.resolve("img.gz"), idxImages(IdxFormat.IMAGES_MAGIC, 7, 2, 2), true);
        Path labels = write(dir.resolve("lbl"), idxLabels(IdxFormat.LABELS_MAGIC, 7, 10), false);
        LabeledImages all = IdxFormat.load(images, labels, 10, "t");
        try (LabeledImageStream stream = IdxFormat.open(images, labels, 10)) {
            assertThat(stream.size()).isEqualTo(7);
            int n = 0;
            while (stream.hasNext()) {
                LabeledImage image = stream.next();
                assertThat(image.index()).isEqualTo(n);
                assertThat(image.pixels()).containsExactly(all.pixels(n));
                assertThat(image.label()).isEqualTo(all.label(n));
                n++;
            }
            assertThat(n).isEqualTo(7);
        }
    }

    @Test
    void rejectsBadMagicNamingTheFile() throws IOException {
        Path images = write(dir.resolve("img"), idxImages(0x00000801, 2, 2, 2), false);
        Path labels = write(dir.resolve("lbl"), idxLabels(IdxFormat.LABELS_MAGIC, 2, 10), false);
        assertThatThrownBy(() -> IdxFormat.load(images, labels, 10, "t"))
                .isInstanceOf(DatasetFormatException.class)
                .hasMessageContaining("img")
                .hasMessageContaining("bad magic 0x00000801, expected 0x00000803");
    }

    @Test
    void rejectsTruncatedImageFile() throws IOException {
        byte[] full = idxImages(IdxFormat.IMAGES_MAGIC, 3, 4, 4);
        Path images = write(dir.resolve("img"), Arrays.copyOf(full, full.length - 5), true);
        Path labels = write(dir.resolve("lbl"), idxLabels(IdxFormat.LABELS_MAGIC, 3, 10), false);
        assertThatThrownBy(() -> IdxFormat.load(images, labels, 10, "t"))
                .isInstanceOf(DatasetFormatException.class)
                .hasMessageContaining("truncated")
                .hasMessageContaining("image 2 of 3");
    }

    @Test
    void streamingReportsTruncationAsUncheckedIo() throws IOException {
        byte[] full = idxLabels(IdxFormat.LABELS_MAGIC, 3, 10);
        Path images = write(dir.resolve("img"), idxImages(IdxFormat.IMAGES_MAGIC, 3, 2, 2), false);
        Path labels = write(dir.resolve("lbl"), Arrays.copyOf(full, full.length - 1), false);
        try (LabeledImageStream stream = IdxFormat.open(images, labels, 10)) {
            stream.next();
            stream.next();
            assertThatThrownBy(stream::next).isInstanceOf(UncheckedIOException.class)
                    .hasCauseInstanceOf(DatasetFormatException.class)
                    .hasMessageContaining("label 2 of 3");
        }
    }

    @Test
    void rejectsCountMismatchBeforeReadingImages() throws IOException {
        Path images = write(dir.resolve("img"), idxImages(IdxFormat.IMAGES_MAGIC, 4, 2, 2), false);
        Path labels = write(dir.resolve("lbl"), idxLabels(IdxFormat.LABELS_MAGIC, 3, 10), false);
        assertThatThrownBy(() -> IdxFormat.open(images, labels, 10))
                .isInstanceOf(DatasetFormatException.class)
                .hasMessageContaining("holds 4 images but lbl holds 3 labels");
    }

    @Test
    void aCountTooLargeForOneArrayIsAFormatErrorBeforeAnyAllocation() throws IOException {
        int count = 100_000_000; // x 28 x 28 overflows an int
        byte[] imageHeader = java.nio.ByteBuffer.allocate(16).putInt(IdxFormat.IMAGES_MAGIC).putInt(count).putInt(28).putInt(28).array();
        byte[] labelHeader = java.nio.ByteBuffer.allocate(8).putInt(IdxFormat.LABELS_MAGIC).putInt(count).array();
        Path images = write(dir.resolve("img"), imageHeader, false);
        Path labels = write(dir.resolve("lbl"), labelHeader, false);
        assertThatThrownBy(() -> IdxFormat.load(images, labels, 10, "t"))
                .isInstanceOf(DatasetFormatException.class)
                .hasMessageContaining("img").hasMessageContaining("100000000 images of 28x28");
    }

    @Test
    void rejectsLabelNotBelowClassCount() throws IOException {
        Path images = write(dir.resolve("img"), idxImages(IdxFormat.IMAGES_MAGIC, 6, 2, 2), false);
        Path labels = write(dir.resolve("lbl"), idxLabels(IdxFormat.LABELS_MAGIC, 6, 6), false);
        assertThatThrownBy(() -> IdxFormat.load(images, labels, 5, "t"))
                .isInstanceOf(DatasetFormatException.class)
                .hasMessageContaining("label 5 of image 5 is not below 5 classes");
    }
}
