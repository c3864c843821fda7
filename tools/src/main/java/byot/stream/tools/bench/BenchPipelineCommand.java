package byot.stream.tools.bench;

import byot.stream.connectors.dataset.FashionMnist;
import byot.stream.connectors.dataset.LabeledImages;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.PixelEncoding;
import byot.stream.connectors.format.Prediction;
import byot.stream.jobs.adapt.AdaptJob;
import byot.stream.jobs.adapt.AdaptOptions;
import byot.stream.jobs.adapt.JobSettings;
import byot.stream.jobs.adapt.PipelineConfig;
import byot.stream.tools.cli.Command;
import byot.stream.jobs.config.ClientOptions;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.jobs.config.UsageException;
import byot.stream.jobs.operators.InferenceConfig;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.tools.pipeline.LocalKafka;
import byot.stream.tools.pipeline.LocalPipeline;
import byot.stream.tools.pipeline.PipelineOutputs;
import byot.stream.tools.train.Json;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.io.ModelFile;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.HdrHistogram.Histogram;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code byot bench pipeline}: Kafka → Flink → Kafka inference throughput against the same model's early-exit
 * throughput in one process, the same pipeline forced to full depth, latency at half of the measured maximum, and
 * fine-tuning steps per second. Every phase sends the demo's mix ({@code --labeled-fraction} of the events labelled),
 * so the learner trains while throughput and latency are measured, as it does in service.
 * Everything runs here ({@link LocalPipeline}): an embedded broker, or the brokers of {@code --bootstrap-servers}, and
 * a local MiniCluster, at-least-once so predictions are visible as they are written. Prints one JSON line.
 */
public final class BenchPipelineCommand implements Command {

    private final PrintStream out;
    private final PrintStream err;

    public BenchPipelineCommand() {
        this(System.out, System.err);
    }

    BenchPipelineCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public String name() {
        return "bench pipeline";
    }

    @Override
    public String summary() {
        return "End-to-end pipeline throughput vs standalone and vs forced full depth, latency at half load, with the demo's labelled mix";
    }

    @Override
    public Options options() {
        return ClientOptions.embeddedBrokerByDefault(AdaptOptions.declare()).withDefault("delivery", "at-least-once")
                .add("events", "6000", "Events for each maximum-throughput run")
                .add("labeled-fraction", "0.3", "Share of the events that carry a label, in every phase but the adaptation run (the demo's mix: the learner trains throughout)")
                .add("rounds", "3", "Maximum-throughput rounds, each running early exit and forced full depth (order alternating); medians are reported")
                .add("latency-events", "12000", "Events for the half-load latency run (about 30 s; its first tenth is left out as warm-up)")
                .add("train-events", "1600", "Labelled events for the adaptation run")
                .add("data", null, "Directory with the Fashion-MNIST IDX files (the events are its test images)")
                .add("latency-log", null, "Write the half-load run's predictions as CSV (event time ms, latency ms, exit depth, model version) to this file:"
                        + " a burst of slow answers next to a new version points at the model swap");
    }

    @Override
    public int run(Parsed args) throws Exception {
        byte[] initial = AdaptJob.initialModel(args.configuration());
        MultiExitModel model = ModelFile.fromBytes(initial);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("command", commandLine(args));
        result.put("model", model.spec().summary());
        int exits = model.spec().sections();
        PipelineConfig pipeline = AdaptOptions.pipeline(args, exits);
        PipelineConfig fullDepth = pipeline.withInference(forcedFullDepth(pipeline.inference()));
        int events = args.getInt("events");
        double labeled = labeledFraction(args);
        int rounds = args.getInt("rounds");
        if (rounds < 1) {
            throw new UsageException("--rounds must be >= 1, got " + rounds);
        }
        LabeledImages images = FashionMnist.locate(args.optional("data").map(Path::of)).load(FashionMnist.Split.TEST);
        List<ImageEvent> maxEvents = events(images, events, labeled, 1);

        double standalone = standalone(model.snapshot(), pipeline, maxEvents);
        err.printf("standalone early exit: %.0f img/s%n", standalone);
        result.put("standaloneImagesPerSecond", Math.round(standalone));

        try (LocalKafka kafka = LocalKafka.of(ClientOptions.given(args))) {
            JobSettings job = AdaptOptions.settings(args, kafka.client());
            Path checkpoints = Path.of(AdaptOptions.CHECKPOINT_DIR.get(args.configuration()));
            Phases early = new Phases(kafka, job, checkpoints, pipeline, initial);
            Phases full = new Phases(kafka, job, checkpoints, fullDepth, initial);
            // Early exit and full depth in the same rounds, the order alternating, so a slow stretch of a shared
            // machine slows both sides of a round's ratio.
            List<Phase> earlyRuns = new ArrayList<>();
            List<Phase> fullRuns = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                if (r % 2 == 0) {
                    earlyRuns.add(runPhase("max-early-exit-" + r, early, maxEvents, 0));
                    fullRuns.add(runPhase("max-full-depth-" + r, full, maxEvents, 0));
                } else {
                    fullRuns.add(runPhase("max-full-depth-" + r, full, maxEvents, 0));
                    earlyRuns.add(runPhase("max-early-exit-" + r, early, maxEvents, 0));
                }
            }
            double[] earlyRates = earlyRuns.stream().mapToDouble(Phase::eventsPerSecond).toArray();
            double[] fullRates = fullRuns.stream().mapToDouble(Phase::eventsPerSecond).toArray();
            double[] ratios = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratios[r] = earlyRates[r] / fullRates[r];
            }
            double pipelineRate = median(earlyRates);
            err.printf("pipeline: %.0f events/s (%.0f%% of standalone), full depth %.0f events/s, early exit %.2fx%n",
                    pipelineRate, 100 * pipelineRate / standalone, median(fullRates), median(ratios));
            result.put("labeledFraction", labeled);
            result.put("pipelineEventsPerSecond", Math.round(pipelineRate));
            result.put("pipelineToStandaloneRatio", Json.round(pipelineRate / standalone));
            result.put("meanExitDepth", Json.round(earlyRuns.stream().flatMap(p -> p.predictions().stream())
                    .mapToInt(Prediction::exitDepth).average().orElse(0)));
            result.put("learnerStepsPerSecondAtMax", Json.round(median(earlyRuns.stream().mapToDouble(Phase::stepsPerSecond).toArray())));
            Map<String, Object> versus = new LinkedHashMap<>();
            versus.put("rounds", rounds);
            versus.put("earlyExitEventsPerSecond", Arrays.stream(earlyRates).mapToLong(Math::round).toArray());
            versus.put("fullDepthEventsPerSecond", Arrays.stream(fullRates).mapToLong(Math::round).toArray());
            versus.put("fullDepthMeanExitDepth", Json.round(fullRuns.stream().flatMap(p -> p.predictions().stream())
                    .mapToInt(Prediction::exitDepth).average().orElse(0)));
            versus.put("medianRatio", Json.round(median(ratios)));
            result.put("earlyExitVsFullDepth", versus);

            double halfRate = pipelineRate / 2;
            List<ImageEvent> halfEvents = events(images, args.getInt("latency-events"), labeled, 2);
            Phase half = runPhase("half", early, halfEvents, halfRate);
            // The first tenth warms up (JIT, first SameDiff runs at each batch size) and is left out.
            List<Prediction> inEventTimeOrder = half.predictions.stream()
                    .sorted(Comparator.comparingLong(Prediction::eventTime)).toList();
            long warmUp = inEventTimeOrder.size() / 10;
            Map<String, Object> latency = new LinkedHashMap<>(latencyAtHalfLoad(Math.round(halfRate),
                    inEventTimeOrder.stream().skip(warmUp).mapToLong(Prediction::latencyMs)));
            latency.put("labeledFraction", Json.round(labeledShare(halfEvents)));
            latency.put("learnerSteps", half.steps());
            latency.put("learnerStepsPerSecond", Json.round(half.stepsPerSecond()));
            result.put("latencyAtHalfLoad", latency);
            err.printf("latency at %.0f events/s, %.0f%% labelled: p50 %d ms, p99 %d ms; learner %.2f steps/s%n", halfRate,
                    100 * labeledShare(halfEvents), latency.get("p50Ms"), latency.get("p99Ms"), half.stepsPerSecond());
            if (args.has("latency-log")) {
                writeLatencyLog(Path.of(args.get("latency-log")), inEventTimeOrder);
            }

            Phase train = runPhase("train", early, events(images, args.getInt("train-events"), 1.0, 3), 0);
            result.put("adaptationStepsPerSecond", Json.round(train.stepsPerSecond()));
            result.put("adaptationImagesPerSecond", Math.round(train.stepsPerSecond() * pipeline.adapt().batching().batchSize()));
            err.printf("adaptation: %.2f steps/s at batch %d%n", train.stepsPerSecond(), pipeline.adapt().batching().batchSize());
        }
        result.put("inferenceBatch", pipeline.inference().maxBatch());
        result.put("thresholds", pipeline.inference().thresholds());
        Map<String, Object> learner = new LinkedHashMap<>();
        learner.put("slotGroup", pipeline.learnerSlotGroup());
        learner.put("threads", pipeline.learnerBudget().threads());
        learner.put("timeShare", pipeline.learnerBudget().timeShare());
        learner.put("nice", pipeline.learnerBudget().nice());
        result.put("learner", learner);
        result.put("cores", Runtime.getRuntime().availableProcessors());
        out.println(Json.line(result));
        return 0;
    }

    static double labeledFraction(Parsed args) {
        double f = args.getDouble("labeled-fraction");
        if (!(f >= 0 && f <= 1)) {
            throw new UsageException("--labeled-fraction must be in [0, 1], got " + args.get("labeled-fraction"));
        }
        return f;
    }

    /**
     * Thresholds no confidence reaches: every event runs to the deepest exit. The shallow heads still run on the
     * way (the operator evaluates each exit it passes), so this is what early exit saves against serving every
     * event at full depth with this operator.
     */
    static InferenceConfig forcedFullDepth(InferenceConfig inference) {
        double[] never = new double[inference.thresholds().length];
        Arrays.fill(never, Double.POSITIVE_INFINITY);
        return new InferenceConfig(inference.maxBatch(), inference.maxWaitMillis(), ExitCriterion.MAX_SOFTMAX, never,
                inference.maxModelBytes());
    }

    static double labeledShare(List<ImageEvent> events) {
        return events.isEmpty() ? 0 : (double) events.stream().filter(ImageEvent::labeled).count() / events.size();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The command that reproduces this run: the options given, so a figure can be printed beside it. */
    private String commandLine(Parsed args) {
        StringBuilder line = new StringBuilder("./byot bench pipeline");
        for (String name : options().names()) {
            if (args.given(name)) {
                String value = args.get(name);
                line.append(" --").append(name).append("true".equals(value) ? "" : " " + value);
            }
        }
        return line.toString();
    }

    /**
     * Predictions of one phase and the span in which they were made. Emission time is event time plus the
     * latency the operator measured; Kafka timestamps would not do, since the sink stamps records with event time.
     */
    private record Phase(List<Prediction> predictions, long firstMillis, long lastMillis, long steps) {
        double spanSeconds() {
            return Math.max(1, lastMillis - firstMillis) / 1000.0;
        }

        double eventsPerSecond() {
            return predictions.size() / spanSeconds();
        }

        /** The learner's steps over the span in which predictions were made (it may also step a little after). */
        double stepsPerSecond() {
            return steps / spanSeconds();
        }
    }

    /**
     * What every phase shares: the broker, the run's job settings and graph. On a broker of the user's, each phase's
     * topics and group carry the start time, so a phase never reads what an earlier run left there.
     */
    private record Phases(LocalKafka kafka, JobSettings job, Path checkpoints, PipelineConfig pipeline, byte[] initial) {
        LocalPipeline.Config config(String phase) {
            String name = "bench-" + phase + (kafka.embedded() ? "" : "-" + System.currentTimeMillis());
            return new LocalPipeline.Config(name, JobSettings.Topics.prefixed(name), 1, checkpoints.resolve(phase), job,
                    pipeline, initial);
        }
    }

    private Phase runPhase(String name, Phases phases, List<ImageEvent> events, double rate) throws Exception {
        try (LocalPipeline pipeline = LocalPipeline.start(phases.kafka(), phases.config(name))) {
            err.println(name + ": " + events.size() + " events" + (rate > 0 ? " at " + Math.round(rate) + "/s" : " as fast as possible"));
            pipeline.send(events, rate);
            Phase phase = collect(pipeline.outputs(), events.size());
            long steps = pipeline.stopAndCountSteps();
            return new Phase(phase.predictions(), phase.firstMillis(), phase.lastMillis(), steps);
        }
    }

    /** One line per prediction, in the order given (event time), for finding when the slow ones happened. */
    private void writeLatencyLog(Path file, List<Prediction> predictions) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("event_time_ms,latency_ms,exit_depth,model_version");
        predictions.forEach(p -> lines.add(p.eventTime() + "," + p.latencyMs() + "," + p.exitDepth() + "," + p.modelVersion()));
        Files.write(file, lines);
        err.println("latency log: " + file);
    }

    private static Phase collect(PipelineOutputs outputs, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(8).toNanos();
        while (outputs.predictionCount() < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + outputs.predictionCount() + " of " + expected + " predictions after 8 minutes");
            }
            Thread.sleep(200);
        }
        List<Prediction> predictions = outputs.predictions();
        long first = predictions.stream().mapToLong(p -> p.eventTime() + p.latencyMs()).min().orElse(0);
        long last = predictions.stream().mapToLong(p -> p.eventTime() + p.latencyMs()).max().orElse(0);
        return new Phase(predictions, first, last, 0);
    }

    /** The same events, in the same micro-batches, through the classifier in this thread: no Kafka, no Flink. */
    private static double standalone(EarlyExitClassifier classifier, PipelineConfig pipeline, List<ImageEvent> events) {
        int batch = pipeline.inference().maxBatch();
        List<INDArray> batches = new ArrayList<>();
        for (int from = 0; from + batch <= events.size(); from += batch) {
            batches.add(byot.stream.jobs.operators.EventTensors.pixels(events.subList(from, from + batch)));
        }
        var policy = pipeline.inference().policy();
        batches.forEach(b -> classifier.classify(b, policy));   // warm-up: JIT and the first run at each batch size
        long start = System.nanoTime();
        for (INDArray b : batches) {
            classifier.classify(b, policy);
        }
        return (double) batches.size() * batch / ((System.nanoTime() - start) / 1e9);
    }

    /**
     * Fashion-MNIST test images as events, in file order from a seed-dependent start: a trained model exits early
     * on them as it would in service, which random pixels would not show.
     */
    static List<ImageEvent> events(LabeledImages images, int n, double labeledFraction, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int offset = random.nextInt(images.size());
        List<ImageEvent> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int index = (offset + i) % images.size();
            int label = random.nextDouble() < labeledFraction ? images.label(index) : ImageEvent.UNLABELED;
            out.add(new ImageEvent("bench-" + seed + "-" + i, 0, "camera-" + (i % 8), label, images.shape().height(),
                    images.shape().width(), images.shape().channels(), PixelEncoding.RAW_UINT8, images.pixels(index)));
        }
        return out;
    }

    /**
     * The {@code latencyAtHalfLoad} figures: rate, p50, p99 and max in ms, 0 when there are none. HdrHistogram's
     * quantiles are nearest-rank (the smallest value with at least that share of values at or below it); with 4
     * significant digits every value under 32.7 s is kept exact.
     */
    static Map<String, Long> latencyAtHalfLoad(long rate, LongStream latenciesMs) {
        Histogram latencies = new Histogram(4);
        latenciesMs.forEach(ms -> latencies.recordValue(Math.max(0, ms))); // HdrHistogram records no negatives
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("rate", rate);
        out.put("p50Ms", latencies.getValueAtPercentile(50));
        out.put("p99Ms", latencies.getValueAtPercentile(99));
        out.put("maxMs", latencies.getMaxValue());
        return out;
    }
}
