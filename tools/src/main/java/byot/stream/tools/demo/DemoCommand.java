package byot.stream.tools.demo;

import byot.stream.model.train.Trainer;
import byot.stream.connectors.dataset.FashionMnist;
import byot.stream.connectors.dataset.LabeledImages;
import byot.stream.connectors.format.MetricsWindow;
import byot.stream.connectors.format.Prediction;
import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.connectors.replay.DomainShift;
import byot.stream.connectors.replay.ReplayConfig;
import byot.stream.connectors.replay.ReplaySummary;
import byot.stream.jobs.adapt.AdaptOptions;
import byot.stream.jobs.adapt.JobSettings;
import byot.stream.tools.cli.Command;
import byot.stream.jobs.config.ClientOptions;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.tools.cli.StatusLine;
import byot.stream.tools.pipeline.LocalKafka;
import byot.stream.tools.pipeline.LocalPipeline;
import byot.stream.tools.pipeline.PipelineOutputs;
import byot.stream.tools.train.DatasetChoice;
import byot.stream.tools.train.Json;
import byot.stream.model.MultiExitModel;
import byot.stream.model.data.Augmentation;
import byot.stream.model.data.ImageArrays;
import byot.stream.model.io.ModelFile;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import byot.stream.model.train.EpochTrainer;
import byot.stream.model.train.LrSchedule;
import byot.stream.model.train.SgdConfig;
import byot.stream.model.train.TrainingRun;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@code byot demo}: the whole product in one process. An embedded Kafka broker (or the brokers of
 * {@code --bootstrap-servers}), a short pre-training on Fashion-MNIST (cached), then the continual-adaptation
 * pipeline on a local MiniCluster ({@link LocalPipeline}) while the test split is replayed with a domain shift
 * half-way. Live progress on stderr; report.json and plots in the output dir.
 */
public final class DemoCommand implements Command {

    private final PrintStream out;
    private final PrintStream err;

    public DemoCommand() {
        this(System.out, System.err);
    }

    DemoCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "Embedded Kafka + MiniCluster + Fashion-MNIST with a mid-stream shift: watch the model adapt";
    }

    @Override
    public Options options() {
        // Short windows and checkpoints: the demo's stream lasts about a minute.
        Options o = ClientOptions.embeddedBrokerByDefault(AdaptOptions.declare())
                .withDefault("metrics-window-seconds", "2").withDefault("checkpoint-interval-ms", "1000");
        // The demo owns its consumer group, checkpoints and model; the rest of run's flags apply as they are.
        return o.add("events", "10000", "Events to replay from the Fashion-MNIST test split")
                .add("shift", "5000:invert", "Domain shift AFTER:KIND (invert, rotate90, noise)")
                .add("labeled-fraction", "0.3", "Share of events that carry their label")
                .add("rate", "200", "Replay rate in events/s (0: as fast as possible)")
                .add("pretrain-images", "6000", "Training images for the short pre-training")
                .add("pretrain-epochs", "2", "Epochs of the short pre-training")
                .add("data", null, "Directory with the Fashion-MNIST IDX files")
                .add("out", "out/demo", "Where report.json, the plots and the cached model go")
                .add("timeout-seconds", "540", "Give up waiting for predictions after this long");
    }

    @Override
    public int run(Parsed args) throws Exception {
        long started = System.nanoTime();
        Path outDir = Path.of(args.get("out"));
        Files.createDirectories(outDir);
        Optional<Path> dataDir = args.optional("data").map(Path::of);
        FashionMnist dataset = FashionMnist.locate(dataDir);
        DomainShift shift = DomainShift.parse(args.get("shift"));

        MultiExitModel model = pretrained(args, dataset, outDir);
        byte[] initial = ModelFile.toBytes(model, false);
        LabeledImages stream = dataset.load(FashionMnist.Split.TEST);

        Optional<KafkaClientProperties> external = ClientOptions.given(args);
        err.println(external.isPresent() ? "using Kafka at " + external.get().bootstrapServers() + "..." : "starting embedded Kafka...");
        try (LocalKafka kafka = LocalKafka.of(external)) {
            JobSettings job = AdaptOptions.settings(args, kafka.client());
            LocalPipeline.Config config = new LocalPipeline.Config("byot-demo", job.topics(), 2, outDir.resolve("checkpoints"),
                    job, AdaptOptions.pipeline(args, model.spec().sections()), initial);
            err.println("starting the pipeline on a local MiniCluster (" + kafka.describe() + ")...");
            try (LocalPipeline pipeline = LocalPipeline.start(kafka, config)) {
                ReplayConfig replayConfig = ReplayConfig.onePass(kafka.client(), job.topics().images(), FashionMnist.Split.TEST.label())
                        .rate(args.getDouble("rate")).labeledFraction(args.getDouble("labeled-fraction"))
                        .limit(args.getLong("events"), true).shift(shift).seed(args.getLong("seed"));
                CompletableFuture<ReplaySummary> replay = pipeline.replay(replayConfig, stream, p -> { });
                PipelineOutputs outputs = pipeline.outputs();
                watch(outputs, replay, args.getLong("events"), args.getLong("timeout-seconds"), started);
                ReplaySummary sent = replay.join();
                List<Prediction> predictions = outputs.predictions();
                List<MetricsWindow> windows = outputs.windows();
                Map<String, Object> run = new LinkedHashMap<>();
                run.put("events", sent.sent());
                run.put("sendErrors", sent.errors());
                run.put("labeledFraction", args.getDouble("labeled-fraction"));
                run.put("shift", args.get("shift"));
                run.put("model", model.spec().summary());
                run.put("finalModelVersion", predictions.stream().mapToLong(Prediction::modelVersion).max().orElse(0));
                run.put("wallSeconds", Math.round((System.nanoTime() - started) / 1e8) / 10.0);
                Map<String, Object> report = new DemoReport(predictions, windows, shift.after(), model.spec().sections())
                        .write(outDir, run);
                err.println("report: " + outDir.resolve("report.json") + ", plots: " + outDir.resolve("exit-depth.png")
                        + ", " + outDir.resolve("accuracy-per-exit.png"));
                out.println(Json.line(Map.of("predictions", report.get("predictions"), "servedAccuracy", report.get("servedAccuracy"),
                        "exitHistogram", report.get("exitHistogram"), "finalModelVersion", run.get("finalModelVersion"),
                        "wallSeconds", run.get("wallSeconds"), "report", outDir.resolve("report.json").toString())));
                return predictions.size() == sent.sent() ? 0 : 1;
            }
        }
    }

    private void watch(PipelineOutputs outputs, CompletableFuture<ReplaySummary> replay, long events, long timeoutSeconds,
                       long started) throws InterruptedException {
        StatusLine status = new StatusLine(err);
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        while (true) {
            List<Prediction> seen = outputs.predictions();
            long done = seen.size();
            long target = replay.isDone() ? replay.join().sent() : events;
            status.update((double) done / Math.max(1, target), describe(seen, outputs.windows(), started));
            if (replay.isDone() && done >= target) {
                break;
            }
            if (System.nanoTime() > deadline) {
                status.finish();
                err.println("timed out after " + timeoutSeconds + " s with " + done + " of " + target + " predictions");
                break;
            }
            Thread.sleep(1000);
        }
        status.finish();
    }

    private static String describe(List<Prediction> seen, List<MetricsWindow> windows, long started) {
        double seconds = (System.nanoTime() - started) / 1e9;
        long[] histogram = new long[4];
        long version = 0;
        for (Prediction p : seen) {
            histogram[Math.min(3, p.exitDepth() - 1)]++;
            version = Math.max(version, p.modelVersion());
        }
        StringBuilder depth = new StringBuilder();
        for (long h : histogram) {
            depth.append(String.format(" %2.0f%%", seen.isEmpty() ? 0.0 : 100.0 * h / seen.size()));
        }
        String accuracy = windows.isEmpty() ? "-" : lastAccuracy(windows);
        return String.format("%,d predictions  model v%d  exits[%s ]  prequential acc/exit %s  %s",
                seen.size(), version, depth, accuracy, StatusLine.duration(seconds));
    }

    private static String lastAccuracy(List<MetricsWindow> windows) {
        long newest = windows.stream().mapToLong(MetricsWindow::windowStart).max().orElse(0);
        long[] correct = new long[4];
        long[] labelled = new long[4];
        for (MetricsWindow w : windows) {
            if (w.windowStart() == newest) {
                for (int e = 0; e < Math.min(4, w.perExitCorrect().length); e++) {
                    correct[e] += w.perExitCorrect()[e];
                    labelled[e] += w.perExitLabeled()[e];
                }
            }
        }
        StringBuilder sb = new StringBuilder("[");
        for (int e = 0; e < 4; e++) {
            sb.append(labelled[e] == 0 ? " -" : String.format(" %.2f", (double) correct[e] / labelled[e]));
        }
        return sb.append(" ]").toString();
    }

    /** Pre-trains on the first training images, or reuses the model cached by an earlier run with the same settings. */
    private MultiExitModel pretrained(Parsed args, FashionMnist dataset, Path outDir) throws Exception {
        if (args.has("initial-model")) {
            return ModelFile.load(Path.of(args.get("initial-model")));
        }
        Architecture arch = Architecture.fromId(args.get("arch"));
        int images = args.getInt("pretrain-images");
        int epochs = args.getInt("pretrain-epochs");
        long seed = args.getLong("seed");
        Path cached = outDir.resolve(String.format("pretrained-%s-x%s-%d-%de-s%d.byot", arch.id(), args.get("width-mult"),
                images, epochs, seed));
        if (Files.exists(cached)) {
            err.println("using cached pre-trained model " + cached);
            return ModelFile.load(cached);
        }
        ImageArrays train = DatasetChoice.toArrays(dataset.load(FashionMnist.Split.TRAIN)).head(images);
        ModelSpec spec = ModelSpec.fashionMnist(arch, args.getDouble("width-mult"));
        MultiExitModel model = MultiExitModel.create(spec, seed);
        TrainingRun run = new TrainingRun(epochs, 64, new Augmentation(2, false), seed);
        var trainer = new Trainer(model, DistillationConfig.defaults(TrainingMode.BYOT),
                new SgdConfig(0.05, 0.9, 5e-4, LrSchedule.COSINE, run.stepsFor(train.size())));
        err.printf("pre-training %s on %,d Fashion-MNIST images, %d epochs (cached afterwards)%n", spec.summary(), images, epochs);
        StatusLine status = new StatusLine(err);
        EpochTrainer.run(trainer, train, run, null, e -> status.update(
                ((e.epoch() - 1) * e.batchesPerEpoch() + e.batch()) / (double) (e.epochs() * e.batchesPerEpoch()),
                String.format("epoch %d/%d  %.0f img/s  loss %.3f  ETA %s", e.epoch(), e.epochs(), e.imagesPerSecond(),
                        e.step().loss(), StatusLine.duration(e.etaSeconds()))));
        status.finish();
        model.setVersion(1);
        ModelFile.save(model, cached, false);
        return model;
    }
}
