package byot.stream.tools.demo;

import byot.stream.model.MultiExitModel;
import byot.stream.model.data.Augmentation;
import byot.stream.model.data.ImageArrays;
import byot.stream.model.eval.ExitScores;
import byot.stream.model.io.ModelFile;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.spec.ModelSpec;
import byot.stream.model.train.EpochTrainer;
import byot.stream.model.train.LrSchedule;
import byot.stream.model.train.SgdConfig;
import byot.stream.model.train.Trainer;
import byot.stream.model.train.TrainingRun;
import byot.stream.tools.cli.StatusLine;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The demo's pre-trained model: trained as {@link PretrainSettings} say on the first train images, or read back from
 * the file an earlier run with the same settings cached in the output directory.
 */
final class Pretraining {

    private static final int EVAL_BATCH = 256;

    private final PretrainSettings settings;
    private final PrintStream err;

    Pretraining(PretrainSettings settings, PrintStream err) {
        this.settings = settings;
        this.err = err;
    }

    /** @param train the whole train split; only its first {@code settings.images()} images are trained on */
    MultiExitModel obtain(ImageArrays train, Path outDir) throws IOException {
        Path cached = outDir.resolve(settings.cacheFileName());
        if (Files.exists(cached)) {
            err.println("using cached pre-trained model " + cached);
            return ModelFile.load(cached);
        }
        ImageArrays images = train.head(settings.images());
        ModelSpec spec = ModelSpec.fashionMnist(settings.arch(), settings.widthMult());
        MultiExitModel model = MultiExitModel.create(spec, settings.seed());
        TrainingRun run = new TrainingRun(settings.epochs(), settings.batchSize(), Augmentation.NONE, settings.seed());
        var trainer = new Trainer(model, DistillationConfig.defaults(TrainingMode.BYOT),
                new SgdConfig(settings.learningRate(), 0.9, 5e-4, LrSchedule.COSINE, run.stepsFor(images.size())));
        err.printf("pre-training %s on %,d Fashion-MNIST train images, %d epochs at batch %d, lr %s cosine (cached afterwards)%n",
                spec.summary(), images.size(), settings.epochs(), settings.batchSize(), settings.learningRate());
        StatusLine status = new StatusLine(err);
        EpochTrainer.run(trainer, images, run, null, e -> status.update(
                ((e.epoch() - 1) * e.batchesPerEpoch() + e.batch()) / (double) (e.epochs() * e.batchesPerEpoch()),
                String.format("epoch %d/%d  %.0f img/s  loss %.3f  ETA %s", e.epoch(), e.epochs(), e.imagesPerSecond(),
                        e.step().loss(), StatusLine.duration(e.etaSeconds()))));
        status.finish();
        model.setVersion(1);
        ModelFile.save(model, cached, false);
        return model;
    }

    /** Accuracy of the deepest exit (full depth, no early exit) on {@code images}. */
    static double deepestExitAccuracy(MultiExitModel model, ImageArrays images) {
        ExitScores scores = ExitScores.compute(model.snapshot(), images, EVAL_BATCH);
        return scores.accuracy(scores.exits() - 1);
    }

    /**
     * The images as a job serving a version with {@code alignment} would feed them to it: routed in order, like a stream,
     * and mapped (rounded and clamped back to 0-255); the images themselves when there is no alignment.
     */
    static ImageArrays aligned(ImageArrays images, java.util.Optional<byot.stream.model.input.InputAlignment> alignment) {
        if (alignment.isEmpty()) {
            return images;
        }
        var router = new byot.stream.model.input.DomainRouter(alignment.get());
        int per = images.shape().pixels();
        byte[] mapped = new byte[images.pixels().length];
        float[] image = new float[per];
        for (int i = 0; i < images.size(); i++) {
            for (int j = 0; j < per; j++) {
                image[j] = images.pixels()[i * per + j] & 0xFF;
            }
            router.apply(image, 0, per);
            for (int j = 0; j < per; j++) {
                mapped[i * per + j] = (byte) Math.max(0, Math.min(255, Math.round(image[j])));
            }
        }
        return new ImageArrays(mapped, images.labels(), images.shape(), images.numClasses());
    }

    /** The train images no demo run pre-trains on: {@code [HELD_OUT_FROM, end)} of the train split. */
    static ImageArrays heldOut(ImageArrays train) {
        int from = PretrainSettings.HELD_OUT_FROM;
        if (train.size() <= from) {
            throw new IllegalArgumentException("the train split has " + train.size() + " images, none after " + from
                    + " to hold out");
        }
        int per = train.shape().pixels();
        return new ImageArrays(Arrays.copyOfRange(train.pixels(), from * per, train.size() * per),
                Arrays.copyOfRange(train.labels(), from, train.size()), train.shape(), train.numClasses());
    }
}
