package byot.stream.tools.demo;

import byot.stream.connectors.dataset.FashionMnist;
import byot.stream.connectors.dataset.LabeledImages;
import byot.stream.connectors.format.MetricsWindow;
import byot.stream.connectors.format.ModelUpdateCodec;
import byot.stream.connectors.format.Prediction;
import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.connectors.replay.ClassOrder;
import byot.stream.connectors.replay.DomainShift;
import byot.stream.connectors.replay.ReplayConfig;
import byot.stream.connectors.replay.ReplaySummary;
import byot.stream.jobs.adapt.AdaptOptions;
import byot.stream.jobs.adapt.JobSettings;
import byot.stream.tools.cli.Command;
import byot.stream.jobs.config.ClientOptions;
import byot.stream.jobs.config.ModelOptions;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.jobs.config.UsageException;
import byot.stream.tools.cli.StatusLine;
import byot.stream.tools.pipeline.LocalKafka;
import byot.stream.tools.pipeline.LocalPipeline;
import byot.stream.tools.pipeline.PipelineOutputs;
import byot.stream.tools.train.DatasetChoice;
import byot.stream.tools.train.Json;
import byot.stream.model.MultiExitModel;
import byot.stream.model.data.ImageArrays;
import byot.stream.model.io.ModelFile;
import byot.stream.model.io.ModelFormatException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code byot demo}: the whole product in one process. An embedded Kafka broker (or the brokers of
 * {@code --bootstrap-servers}), a short pre-training on Fashion-MNIST (cached), then the continual-adaptation
 * pipeline on a local MiniCluster ({@link LocalPipeline}) while the test split is replayed with a domain shift
 * half-way. Live progress on stderr; report.json and plots in the output dir.
 */
public final class DemoCommand implements Command {

    /** Reading a demo's models topic back: tens of versions of a few MB from a local broker. */
    private static final Duration MODELS_READ_TIMEOUT = Duration.ofSeconds(60);

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
                .withDefault("metrics-window-seconds", "2").withDefault("checkpoint-interval-ms", "1000")
                // The demo replays at 200 events/s, a fraction of what inference can answer: the learner may take every
                // idle core (its thread stays at nice 19, so inference still comes first). With the job's latency-first
                // budget it made 7 versions in the stream instead of 19 and did not recover from the shift
                // (README, "What the demo does").
                .withDefault(AdaptOptions.LEARNER_TIME_SHARE.flag(), "1",
                        "Largest share of wall-clock time the learner spends in training steps (the demo: no limit)")
                .withDefault(AdaptOptions.LEARNER_THREADS.flag(), "0",
                        "OpenMP threads of the learner's native ops (the demo: 0, the process's OMP_NUM_THREADS)")
                // Learner first here too: with steps on the task thread the stream waits for them (the pipeline lags
                // the replay), so the learner trains on more of the labels. With the job's default (own thread) the
                // pipeline kept up with the replay, the stream lasted 56 s instead of ~90, and the learner made 9
                // versions instead of ~20 (first 1,000 after the shift served at 0.18, forgetting 0.10).
                .withDefault(AdaptOptions.LEARNER_STEP_THREAD.flag(), "task",
                        "Where training steps compute (the demo: task, so the stream waits for the learner; own: it does not)");
        // The demo owns its consumer group, checkpoints and model; the rest of run's flags apply as they are.
        return o.add("events", "10000", "Events to replay from the Fashion-MNIST test split")
                .add("shift", "5000:invert", "Domain shift AFTER:KIND (invert, rotate90, noise)")
                .add("class-order", null, "Class-incremental stream: 'sorted' or a comma list of classes, each class's test"
                        + " images in turn (others left out; default: file order)")
                .add("labeled-fraction", "0.3", "Share of events that carry their label")
                .add("rate", "200", "Replay rate in events/s (0: as fast as possible)")
                .add("pretrain-images", "55000", "Train-split images for the pre-training (at most "
                        + PretrainSettings.HELD_OUT_FROM + ": the rest are held out)")
                .add("pretrain-epochs", "2", "Epochs of the pre-training")
                .add("pretrain-batch-size", "128", "Batch size of the pre-training")
                .add("pretrain-lr", "0.1", "Base learning rate of the pre-training (cosine schedule)")
                // Apart from --seed so that runs over several seeds of the stream and the learner share one cached model.
                .add("pretrain-seed", "0", "Seed of the pre-training's initial weights and batch order (--seed: the stream's"
                        + " and the learner's)")
                .add("data", null, "Directory with the Fashion-MNIST IDX files")
                .add("out", "out/demo", "Where report.json, the plots and the cached model go")
                .add("timeout-seconds", "540", "Give up waiting for predictions after this long");
    }

    @Override
    public int run(Parsed args) throws Exception {
        long started = System.nanoTime();
        // The stream's settings, checked before minutes of loading, pre-training and starting Kafka and Flink.
        double rate = args.getDouble("rate");
        double labeledFraction = args.getDouble("labeled-fraction");
        long events = args.getPositiveInt("events");
        long timeoutSeconds = args.getPositiveInt("timeout-seconds");
        if (!(rate >= 0) || Double.isInfinite(rate)) {
            throw new UsageException("--rate must be >= 0 events/s (0: as fast as possible), got " + args.get("rate"));
        }
        if (!(labeledFraction >= 0 && labeledFraction <= 1)) {
            throw new UsageException("--labeled-fraction must be in [0, 1], got " + args.get("labeled-fraction"));
        }
        Path outDir = Path.of(args.get("out"));
        Files.createDirectories(outDir);
        Optional<Path> dataDir = args.optional("data").map(Path::of);
        FashionMnist dataset = FashionMnist.locate(dataDir);
        DomainShift shift = DomainShift.parse(args.get("shift"));

        ImageArrays train = DatasetChoice.toArrays(dataset.load(FashionMnist.Split.TRAIN));
        ImageArrays heldOut = Pretraining.heldOut(train);
        long pretrainStarted = System.nanoTime();
        MultiExitModel model = pretrained(args, train, outDir);
        byte[] initial = ModelFile.toBytes(model, false);
        LabeledImages stream = dataset.load(FashionMnist.Split.TEST);
        Optional<ClassOrder> classOrder = args.optional("class-order").map(o -> ClassOrder.parse(o, FashionMnist.NUM_CLASSES));
        ReplayPositions positions = classOrder.map(o -> ReplayPositions.of(o.order(stream), stream.size()))
                .orElseGet(() -> ReplayPositions.fileOrder(stream.size()));
        // The stream replays the test split and pre-training reads only the train split: the test images are new to
        // the pre-trained model, which is what makes them a fair measure of it.
        err.printf("scoring the pre-trained model on the %,d test images...%n", stream.size());
        double pretrainedAccuracy = Pretraining.deepestExitAccuracy(model, DatasetChoice.toArrays(stream));
        err.printf("pre-trained model: %.2f%% at the deepest exit%n", 100 * pretrainedAccuracy);
        double pretrainSeconds = (System.nanoTime() - pretrainStarted) / 1e9;
        long streamStarted = System.nanoTime();

        Optional<KafkaClientProperties> external = ClientOptions.given(args);
        err.println(external.isPresent() ? "using Kafka at " + external.get().bootstrapServers() + "..." : "starting embedded Kafka...");
        try (LocalKafka kafka = LocalKafka.of(external)) {
            JobSettings job = AdaptOptions.settings(args, kafka.client());
            LocalPipeline.Config config = new LocalPipeline.Config("byot-demo", job.topics(), 2, outDir.resolve("checkpoints"),
                    job, AdaptOptions.pipeline(args, model.spec().sections()), initial);
            err.println("starting the pipeline on a local MiniCluster (" + kafka.describe() + ")...");
            try (LocalPipeline pipeline = LocalPipeline.start(kafka, config)) {
                ReplayConfig replayConfig = ReplayConfig.onePass(kafka.client(), job.topics().images(), FashionMnist.Split.TEST.label())
                        .rate(rate).labeledFraction(labeledFraction)
                        .limit(events, true).shift(shift).classOrder(classOrder.orElse(null))
                        .seed(ModelOptions.SEED.get(args.configuration()));
                CompletableFuture<ReplaySummary> replay = pipeline.replay(replayConfig, stream, p -> { });
                PipelineOutputs outputs = pipeline.outputs();
                watch(outputs, replay, events, timeoutSeconds, started);
                ReplaySummary sent = replay.join();
                int exits = model.spec().sections();
                // Read once: the reader thread goes on, and a second read could hold more than the first.
                List<Prediction> read = outputs.predictions();
                List<MetricsWindow> readWindows = outputs.windows();
                List<Prediction> predictions = ofThisReplay(read, FashionMnist.Split.TEST.label(), positions, exits);
                List<MetricsWindow> windows = readWindows.stream().filter(w -> w.exitHistogram().length == exits).toList();
                long foreign = read.size() - predictions.size() + readWindows.size() - windows.size();
                if (foreign > 0) {
                    err.println("left out of the report: " + foreign + " predictions and metrics windows that are not this replay's"
                            + " (another writer on the topics?)");
                }
                if (!outputs.undecodable().isEmpty()) {
                    err.println("output topics: " + outputs.undecodable());
                }
                double streamSeconds = (System.nanoTime() - streamStarted) / 1e9;
                Optional<Forgetting> forgetting = forgettingOrNone(kafka.client(), job, predictions, positions, shift.after(),
                        model, heldOut);
                Map<String, Object> run = new LinkedHashMap<>();
                run.put("events", sent.sent());
                run.put("sendErrors", sent.errors());
                run.put("labeledFraction", labeledFraction);
                run.put("shift", args.get("shift"));
                run.put("classOrder", classOrder.map(o -> o.classes().toString()).orElse("file order"));
                run.put("model", model.spec().summary());
                run.put("finalModelVersion", predictions.stream().mapToLong(Prediction::modelVersion).max().orElse(0));
                run.put("wallSeconds", Math.round((System.nanoTime() - started) / 1e8) / 10.0);
                run.put("pretrainSeconds", Math.round(pretrainSeconds * 10) / 10.0);
                run.put("streamSeconds", Math.round(streamSeconds * 10) / 10.0);
                run.put("pretrainedAccuracy", Json.round(pretrainedAccuracy));
                run.put("pretrainedAccuracyOn", "Fashion-MNIST test split, " + stream.size() + " images, deepest exit");
                run.put("forgetting", forgetting.map(f -> Json.round(f.drop())).orElse(null));
                run.put("forgettingDetail", forgetting.map(Forgetting::toJson).orElse(null));
                ServedAccuracy served = ServedAccuracy.score(predictions, stream::label, positions, shift.after());
                Map<String, Object> report = new DemoReport(predictions, windows, positions, shift.after(), model.spec().sections())
                        .groundTruth(served).write(outDir, run);
                err.println("report: " + outDir.resolve("report.json") + ", plots: " + outDir.resolve("exit-depth.png")
                        + ", " + outDir.resolve("accuracy-per-exit.png"));
                out.println(Json.line(Map.of("predictions", report.get("predictions"), "servedAccuracy", report.get("servedAccuracy"),
                        "exitHistogram", report.get("exitHistogram"), "finalModelVersion", run.get("finalModelVersion"),
                        "wallSeconds", run.get("wallSeconds"), "report", outDir.resolve("report.json").toString())));
                err.printf("pretrainedAccuracy %s  first1000AfterShift %s  eventsToRecover %s  forgetting %s%n",
                        report.get("pretrainedAccuracy"), ((Map<?, ?>) report.get("servedAccuracy")).get("first1000AfterShift"),
                        report.get("eventsToRecover"), report.get("forgetting"));
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

    /** The model the stream starts from: --initial-model, or the demo's pre-training (cached per settings). */
    private MultiExitModel pretrained(Parsed args, ImageArrays train, Path outDir) throws Exception {
        Optional<String> initial = AdaptOptions.INITIAL_MODEL.optional(args.configuration());
        if (initial.isPresent()) {
            return ModelFile.load(Path.of(initial.get()));
        }
        return new Pretraining(PretrainSettings.from(args), err).obtain(train, outDir);
    }

    /**
     * The answers to this replay's events: ids of its split that name a replayed image, at an exit the model has. On
     * a shared broker other writers' records are on the same topics, and a report of them would fail or mislead.
     */
    static List<Prediction> ofThisReplay(List<Prediction> predictions, String split, ReplayPositions positions, int exits) {
        return predictions.stream().filter(p -> p.id().startsWith(split + "-") && positions.of(p.id()) >= 0
                && p.exitDepth() >= 1 && p.exitDepth() <= exits).toList();
    }

    /** {@link #forgetting}, or empty with the reason when the models topic cannot be read back: the report still comes. */
    private Optional<Forgetting> forgettingOrNone(KafkaClientProperties client, JobSettings job, List<Prediction> predictions,
                                                  ReplayPositions positions, long shiftAfter, MultiExitModel initial,
                                                  ImageArrays heldOut) {
        try {
            return forgetting(client, job, predictions, positions, shiftAfter, initial, heldOut);
        } catch (ModelFormatException | RuntimeException e) {
            err.println("forgetting: the models could not be read back (" + e + "); the report goes on without it");
            return Optional.empty();
        }
    }

    /**
     * Scores the model serving at the shift and the final model, both read back from the models topic, on the
     * un-shifted held-out images; empty (with the reason on stderr) when either cannot be had.
     */
    private Optional<Forgetting> forgetting(KafkaClientProperties client, JobSettings job, List<Prediction> predictions,
                                            ReplayPositions positions, long shiftAfter, MultiExitModel initial, ImageArrays heldOut)
            throws ModelFormatException {
        OptionalLong atShift = Forgetting.versionAtShift(predictions, positions, shiftAfter);
        if (atShift.isEmpty()) {
            err.println("forgetting: no event before the shift was answered, so no model at the shift");
            return Optional.empty();
        }
        ModelUpdateCodec codec = ModelUpdateCodec.forKey(job.modelKey());
        err.println("reading the models at the shift (v" + atShift.getAsLong() + ") and at the end back from "
                + job.topics().models() + "...");
        PublishedModels.Found found = new PublishedModels(client, codec, MODELS_READ_TIMEOUT)
                .read(job.topics().models(), Set.of(atShift.getAsLong()));
        // The initial model is not on the topic: the job publishes only what it trained.
        byte[] beforePayload = found.wanted().containsKey(atShift.getAsLong())
                ? found.wanted().get(atShift.getAsLong()).payload() : null;
        MultiExitModel before = beforePayload != null ? ModelFile.fromBytes(beforePayload)
                : atShift.getAsLong() == initial.version() ? initial : null;
        if (before == null) {
            err.println("forgetting: model version " + atShift.getAsLong() + " is not on " + job.topics().models()
                    + (found.undecodable() > 0 ? " (" + found.undecodable() + " records did not decode)" : ""));
            return Optional.empty();
        }
        byte[] afterPayload = found.newest().isPresent() ? found.newest().get().payload() : null;
        MultiExitModel after = afterPayload != null ? ModelFile.fromBytes(afterPayload) : initial;
        String images = "Fashion-MNIST train images " + PretrainSettings.HELD_OUT_FROM + "-"
                + (PretrainSettings.HELD_OUT_FROM + heldOut.size() - 1) + " (" + heldOut.size()
                + ", un-shifted, never pre-trained on nor streamed), deepest exit, through each version's input alignment";
        // Each version sees the images through the input alignment it was published with, as inference would.
        return Optional.of(new Forgetting(before.version(), Pretraining.deepestExitAccuracy(before, alignedFor(beforePayload, heldOut)),
                after.version(), Pretraining.deepestExitAccuracy(after, alignedFor(afterPayload, heldOut)), images));
    }

    private static ImageArrays alignedFor(byte[] payload, ImageArrays images) throws ModelFormatException {
        return Pretraining.aligned(images, payload == null ? Optional.empty() : ModelFile.inputAlignment(payload));
    }
}
