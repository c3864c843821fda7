package byot.stream.connectors.dataset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where Fashion-MNIST lives on this machine: the Debian package {@code dataset-fashion-mnist} installs the four
 * gzipped IDX files in {@link #DEFAULT_DIR}; {@code --data DIR} points elsewhere.
 */
public record FashionMnist(Path dir) {
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final String NAME = "fashion-mnist";
    public static final int NUM_CLASSES = 10;
    public static final ImageShape SHAPE = new ImageShape(1, 28, 28);
    /** Class names, indexed by label, as published with the dataset. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    public enum Split {
        TRAIN("train", 60_000),
        TEST("t10k", 10_000);

        private final String prefix;
        private final int size;

        Split(String prefix, int size) {
            this.prefix = prefix;
            this.size = size;
        }

        public String imagesFile() {
            return prefix + "-images-idx3-ubyte.gz";
        }

        public String labelsFile() {
            return prefix + "-labels-idx1-ubyte.gz";
        }

        /** Size of the published split; files under {@code --data} may hold fewer. */
        public int publishedSize() {
            return size;
        }

        /** {@code train} or {@code test} (also accepts {@code t10k}). */
        public static Split parse(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "train" -> TRAIN;
                case "test", "t10k" -> TEST;
                default -> throw new IllegalArgumentException("unknown split '" + name + "': use train or test");
            };
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The dataset under {@code dataDir}, or under {@link #DEFAULT_DIR} when absent; fails with instructions when
     * the files are not there, before anything is read.
     */
    public static FashionMnist locate(Optional<Path> dataDir) throws DatasetNotFoundException {
        FashionMnist dataset = new FashionMnist(dataDir.orElse(DEFAULT_DIR));
        List<String> missing = dataset.missingFiles();
        if (!missing.isEmpty()) {
            String where = dataDir.isPresent()
                    ? "--data " + dataset.dir() + " lacks " + String.join(", ", missing)
                    : "Fashion-MNIST is not installed (" + DEFAULT_DIR + " lacks " + String.join(", ", missing) + ")";
            throw new DatasetNotFoundException(where + ". Install it with 'sudo apt-get install -y dataset-fashion-mnist', "
                    + "or point --data at a directory holding train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                    + "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz "
                    + "(from https://github.com/zalandoresearch/fashion-mnist).");
        }
        return dataset;
    }

    public List<String> missingFiles() {
        return Arrays.stream(Split.values())
                .flatMap(s -> Stream.of(s.imagesFile(), s.labelsFile()))
                .filter(f -> !Files.isReadable(dir.resolve(f)))
                .toList();
    }

    public LabeledImageStream open(Split split) throws IOException {
        return IdxFormat.open(dir.resolve(split.imagesFile()), dir.resolve(split.labelsFile()), NUM_CLASSES);
    }

    public LabeledImages load(Split split) throws IOException {
        return IdxFormat.load(dir.resolve(split.imagesFile()), dir.resolve(split.labelsFile()), NUM_CLASSES,
                NAME + "-" + split.label());
    }
}
