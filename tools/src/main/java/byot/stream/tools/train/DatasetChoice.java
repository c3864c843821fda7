package byot.stream.tools.train;

import byot.stream.connectors.dataset.CifarFormat;
import byot.stream.connectors.dataset.FashionMnist;
import byot.stream.connectors.dataset.LabeledImages;
import byot.stream.jobs.config.UsageException;
import byot.stream.model.data.ImageArrays;
import byot.stream.model.spec.InputShape;
import byot.stream.model.spec.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/** The data sets the command line can name, loaded as the model library's compact image arrays. */
public enum DatasetChoice {
    FASHION_MNIST("fashion-mnist"),
    CIFAR10("cifar10"),
    CIFAR100("cifar100");

    private final String id;

    DatasetChoice(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static DatasetChoice fromId(String id) {
        for (DatasetChoice d : values()) {
            if (d.id.equals(id.trim().toLowerCase(Locale.ROOT))) {
                return d;
            }
        }
        throw new UsageException("unknown dataset '" + id + "'; known: fashion-mnist, cifar10, cifar100");
    }

    /** Pixel mean and std on [0, 1], stored in the model so inference normalises as training did. */
    public float[] normalization() {
        return switch (this) {
            case FASHION_MNIST -> new float[] {0.2860f, 0.3530f};
            case CIFAR10, CIFAR100 -> new float[] {0.4734f, 0.2516f};
        };
    }

    /**
     * The split's images for a model to score, refused with a usage error when they are not the model's input shape.
     *
     * @param split "train" or "test"
     */
    public ImageArrays loadFor(ModelSpec spec, Optional<Path> dataDir, String split) throws IOException {
        ImageArrays images = load(dataDir, split);
        if (!images.shape().equals(spec.input())) {
            throw new UsageException("model expects " + spec.input() + " images, " + id + " has " + images.shape());
        }
        // Same image shape, other classes (cifar100 against cifar10): scored anyway, it would report near-chance accuracy.
        if (images.numClasses() != spec.numClasses()) {
            throw new UsageException("model has " + spec.numClasses() + " classes, " + id + " has " + images.numClasses());
        }
        return images;
    }

    /** @param split "train" or "test" */
    public ImageArrays load(Optional<Path> dataDir, String split) throws IOException {
        boolean train = switch (split) {
            case "train" -> true;
            case "test" -> false;
            default -> throw new UsageException("unknown split '" + split + "'; known: train, test");
        };
        LabeledImages images = switch (this) {
            case FASHION_MNIST -> FashionMnist.locate(dataDir).load(train ? FashionMnist.Split.TRAIN : FashionMnist.Split.TEST);
            case CIFAR10, CIFAR100 -> loadCifar(dataDir.orElseThrow(() ->
                    new UsageException(id + " needs --data DIR with the CIFAR binary files")), train);
        };
        return toArrays(images);
    }

    private LabeledImages loadCifar(Path dir, boolean train) throws IOException {
        CifarFormat.Variant variant = this == CIFAR10 ? CifarFormat.Variant.CIFAR10 : CifarFormat.Variant.CIFAR100_FINE;
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(p -> {
                String name = p.getFileName().toString();
                return name.endsWith(".bin") && (train == (name.startsWith("data_batch") || name.equals("train.bin")));
            }).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new java.nio.file.NoSuchFileException(dir + " has no " + (train ? "training" : "test")
                    + " CIFAR .bin files (data_batch_*.bin / test_batch.bin, or train.bin / test.bin)");
        }
        return CifarFormat.load(files, variant, id);
    }

    public static ImageArrays toArrays(LabeledImages images) {
        int[] labels = new int[images.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = images.label(i);
        }
        InputShape shape = new InputShape(images.shape().channels(), images.shape().height(), images.shape().width());
        return new ImageArrays(images.pixels(), labels, shape, images.numClasses());
    }
}
