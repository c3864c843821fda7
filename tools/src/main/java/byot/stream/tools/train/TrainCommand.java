package byot.stream.tools.train;

import byot.stream.connectors.signing.DetachedSignature;
import byot.stream.connectors.signing.ModelKey;
import byot.stream.tools.cli.Command;
import byot.stream.jobs.config.DistillationOptions;
import byot.stream.jobs.config.ModelOptions;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.tools.cli.StatusLine;
import byot.stream.jobs.config.UsageException;
import byot.stream.model.MultiExitModel;
import byot.stream.model.data.Augmentation;
import byot.stream.model.data.ImageArrays;
import byot.stream.model.eval.ExitScores;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.io.ModelFile;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.HeadDesign;
import byot.stream.model.spec.ModelSpec;
import byot.stream.model.train.EpochTrainer;
import byot.stream.model.train.LrSchedule;
import byot.stream.model.train.SgdConfig;
import byot.stream.model.train.Trainer;
import byot.stream.model.train.TrainingProgress;
import byot.stream.model.train.TrainingRun;
import byot.stream.model.train.TrainingSummary;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.configuration.Configuration;

/** {@code byot train}: offline training of a multi-exit model, then per-exit test accuracy. */
public final class TrainCommand implements Command {

    private final PrintStream out;
    private final PrintStream err;

    public TrainCommand() {
        this(System.out, System.err);
    }

    TrainCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public String name() {
        return "train";
    }

    @Override
    public String summary() {
        return "Train a multi-exit model offline (baseline, deepsup, byot or kd) and report per-exit accuracy";
    }

    @Override
    public Options options() {
        return DistillationOptions.declare(ModelOptions.declare(new Options())).addAll(List.of(DistillationOptions.WARMUP_STEPS))
                .add("dataset", "fashion-mnist", "Data set: fashion-mnist, cifar10, cifar100")
                .add("data", null, "Directory with the data set files (default: Debian package path for fashion-mnist)")
                .add("dropout", "0", "Dropout between the convolutions of wide residual blocks (wrn* only)")
                .add("mode", "byot", "Training mode: baseline, deepsup, byot, kd")
                .add("teacher", null, "Teacher model file for --mode kd")
                .add("epochs", "3", "Passes over the training set")
                .add("batch-size", "128", "Images per optimisation step")
                .add("lr", "0.1", "Base learning rate")
                .add("momentum", "0.9", "SGD momentum")
                .add("weight-decay", "5e-4", "L2 weight decay")
                .add("schedule", "cosine", "Learning-rate schedule: cosine, step, constant")
                .add("crop-padding", "2", "Random-crop padding in pixels (0: no crop)")
                .flag("flip", "Random horizontal flips (off by default: wrong for digits)")
                .add("limit", null, "Train on only the first N training images")
                .add("test-limit", null, "Evaluate on only the first N test images")
                .add("out", "out/model.byot", "Where to write the trained model file")
                .add("model-key", null, "Key file (at least 32 bytes): also write OUT.sig, the signature byot run"
                        + " --model-key requires of --initial-model");
    }

    @Override
    public int run(Parsed args) throws Exception {
        out.println(Json.line(train(args)));
        return 0;
    }

    /** Trains as the flags say, writes the model file, and returns the result fields. */
    Map<String, Object> train(Parsed args) throws Exception {
        DatasetChoice dataset = DatasetChoice.fromId(args.get("dataset"));
        Optional<Path> dataDir = args.optional("data").map(Path::of);
        TrainingMode mode = TrainingMode.fromId(args.get("mode"));
        Configuration shape = args.configuration();
        Architecture arch = Architecture.fromId(ModelOptions.ARCH.get(shape));
        long seed = ModelOptions.SEED.get(shape);
        // Read before training, so a missing or short key does not cost a training run.
        Optional<ModelKey> key = args.has("model-key") ? Optional.of(ModelKey.read(Path.of(args.get("model-key"))))
                : Optional.empty();
        Path outFile = Path.of(args.get("out"));
        checkWritable(outFile);
        EarlyExitClassifier teacher = null;
        if (mode == TrainingMode.KD) {
            Path teacherFile = Path.of(args.optional("teacher").orElseThrow(() -> new UsageException("--mode kd needs --teacher FILE")));
            teacher = ModelFile.load(teacherFile).snapshot();
        }

        err.println("loading " + dataset.id() + "...");
        ImageArrays train = limit(dataset.load(dataDir, "train"), args, "limit");
        ImageArrays test = limit(dataset.load(dataDir, "test"), args, "test-limit");
        float[] norm = dataset.normalization();
        ModelSpec spec = new ModelSpec(arch, train.shape(), train.numClasses(), ModelOptions.WIDTH_MULT.get(shape), norm[0], norm[1],
                args.getDouble("dropout"), ModelOptions.heads(shape));
        if (teacher != null && !teacher.spec().input().equals(spec.input())) {
            throw new UsageException("teacher expects " + teacher.spec().input() + " images, data set has " + spec.input());
        }
        if (teacher != null && teacher.spec().numClasses() != spec.numClasses()) {
            throw new UsageException("teacher has " + teacher.spec().numClasses() + " classes, data set has " + spec.numClasses());
        }
        TrainingRun run = new TrainingRun(args.getInt("epochs"), args.getInt("batch-size"),
                new Augmentation(args.getInt("crop-padding"), args.flag("flip")), seed);
        SgdConfig sgd = new SgdConfig(args.getDouble("lr"), args.getDouble("momentum"), args.getDouble("weight-decay"),
                LrSchedule.fromId(args.get("schedule")), run.stepsFor(train.size()));
        DistillationConfig distillation = DistillationOptions.config(args, mode);

        MultiExitModel model = MultiExitModel.create(spec, seed);
        err.printf("training %s (%,d weights) in %s mode on %,d images, %d epochs%n",
                spec.summary(), model.parameters().weightCount(), mode.id(), train.size(), run.epochs());
        Trainer trainer = new Trainer(model, distillation, sgd);
        StatusLine status = new StatusLine(err);
        TrainingSummary summary = EpochTrainer.run(trainer, train, run, teacher, e -> status.update(
                ((e.epoch() - 1) * e.batchesPerEpoch() + e.batch()) / (double) (e.epochs() * e.batchesPerEpoch()),
                describe(e)));
        status.finish();

        model.setVersion(1);
        ModelFile.save(model, outFile, false);
        if (key.isPresent()) {
            err.println("signature written to " + DetachedSignature.sign(outFile, key.get()));
        }
        ExitScores scores = ExitScores.compute(model.snapshot(), test, 256);
        List<Double> perExit = new ArrayList<>();
        for (int e = 0; e < scores.exits(); e++) {
            perExit.add(Json.round(scores.accuracy(e)));
            err.printf("exit %d test accuracy %.2f%%%n", e + 1, 100 * scores.accuracy(e));
        }
        err.printf("ensemble test accuracy %.2f%%  (model written to %s)%n", 100 * scores.ensembleAccuracy(), outFile);

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("dataset", dataset.id());
        result.put("arch", arch.id());
        result.put("widthMult", spec.widthMultiplier());
        if (spec.heads() != HeadDesign.BOTTLENECK) {
            result.put("heads", spec.heads().id());
        }
        if (spec.dropout() > 0) {
            result.put("dropout", spec.dropout());
        }
        result.put("mode", mode.id());
        if (Recipe.matters(mode)) {
            result.put("recipe", Recipe.of(distillation).fields());
        }
        result.put("epochs", run.epochs());
        result.put("seed", seed);
        result.put("trainImages", train.size());
        result.put("testImages", test.size());
        result.put("exitAccuracy", perExit);
        result.put("ensembleAccuracy", Json.round(scores.ensembleAccuracy()));
        result.put("trainImagesPerSecond", Math.round(summary.imagesPerSecond() * 10) / 10.0);
        result.put("trainSeconds", Math.round(summary.seconds() * 10) / 10.0);
        result.put("threads", Runtime.getRuntime().availableProcessors());
        List<Long> macs = new ArrayList<>();
        EarlyExitClassifier snapshot = model.snapshot();
        for (int e = 0; e < snapshot.exits(); e++) {
            macs.add(snapshot.macsToExit(e));
        }
        result.put("macsToExit", macs);
        result.put("model", outFile.toString());
        return result;
    }

    private static String describe(TrainingProgress.Event e) {
        Map<String, Double> parts = e.step().parts();
        StringBuilder ce = new StringBuilder();
        parts.forEach((k, v) -> {
            if (k.startsWith("loss/ce")) {
                ce.append(String.format(" %.2f", v));
            }
        });
        return String.format("epoch %d/%d batch %d/%d  %.0f img/s  loss %.3f  ce[%s ]  lr %.4f  ETA %s",
                e.epoch(), e.epochs(), e.batch(), e.batchesPerEpoch(), e.imagesPerSecond(), e.step().loss(),
                ce, e.step().learningRate(), StatusLine.duration(e.etaSeconds()));
    }

    /** Found before the epochs, not after them: a directory or an unwritable place for --out would cost the whole run. */
    private static void checkWritable(Path out) throws java.io.IOException {
        if (Files.isDirectory(out)) {
            throw new UsageException("--out " + out + " is a directory; name the model file, e.g. " + out.resolve("model.byot"));
        }
        Path parent = out.toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
            Files.delete(Files.createTempFile(parent, out.getFileName().toString(), ".probe"));
        } catch (java.io.IOException e) {
            throw new UsageException("--out " + out + ": cannot write in " + parent + " (" + e + ")");
        }
    }

    static ImageArrays limit(ImageArrays data, Parsed args, String flag) {
        if (!args.has(flag)) {
            return data;
        }
        return data.head(args.getPositiveInt(flag));
    }
}
