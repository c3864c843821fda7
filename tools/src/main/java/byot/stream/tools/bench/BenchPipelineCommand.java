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
 * throughput in one process, latency at half of the measured maximum, and fine-tuning steps per second.
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
        return "End-to-end pipeline throughput vs standalone early exit, latency at half load, adaptation steps/s";
    }

    @Override
    public Options options() {
        return ClientOptions.embeddedBrokerByDefault(AdaptOptions.declare()).withDefault("delivery", "at-least-once")
                .add("events", "6000", "Events for the maximum-throughput run")
                .add("latency-events", "12000", "Events for the half-load latency run (about 30 s; its first tenth is left out as warm-up)")
                .add("train-events", "1600", "Labelled events for the adaptation run")
                .add("data", null, "Directory with the Fashion-MNIST IDX files (the events are its test images)")
                .add("latency-log", null, "Write the half-load run's predictions as CSV (event time ms, latency ms, exit depth) to this file");
    }

    @Override
    public int run(Parsed args) throws Exception {
        byte[] initial = AdaptJob.initialModel(args.configuration());
        MultiExitModel model = ModelFile.fromBytes(initial);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", model.spec().summary());
        int exits = model.spec().sections();
        PipelineConfig pipeline = AdaptOptions.pipeline(args, exits);
        int events = args.getInt("events");
        LabeledImages images = FashionMnist.locate(args.optional("data").map(Path::of)).load(FashionMnist.Split.TEST);

        double standalone = standalone(model.snapshot(), pipeline, events(images, events, 0.0, 1));
        err.printf("standalone early exit: %.0f img/s%n", standalone);
        result.put("standaloneImagesPerSecond", Math.round(standalone));

        try (LocalKafka kafka = LocalKafka.of(ClientOptions.given(args))) {
            Phases phases = new Phases(kafka, AdaptOptions.settings(args, kafka.client()), Path.of(args.get("checkpoint-dir")),
                    pipeline, initial);
            Phase max = runPhase("max", phases, events(images, events, 0.0, 1), 0);
            double pipelineRate = max.predictions.size() / max.spanSeconds();
            err.printf("pipeline: %.0f events/s (%.0f%% of standalone)%n", pipelineRate, 100 * pipelineRate / standalone);
            result.put("pipelineEventsPerSecond", Math.round(pipelineRate));
            result.put("pipelineToStandaloneRatio", Json.round(pipelineRate / standalone));
            result.put("meanExitDepth", Json.round(max.predictions.stream().mapToInt(Prediction::exitDepth).average().orElse(0)));

            double halfRate = pipelineRate / 2;
            Phase half = runPhase("half", phases, events(images, args.getInt("latency-events"), 0.0, 2), halfRate);
            // The first tenth warms up (JIT, first SameDiff runs at each batch size) and is left out.
            List<Prediction> inEventTimeOrder = half.predictions.stream()
                    .sorted(Comparator.comparingLong(Prediction::eventTime)).toList();
            long warmUp = inEventTimeOrder.size() / 10;
            Map<String, Long> latency = latencyAtHalfLoad(Math.round(halfRate),
                    inEventTimeOrder.stream().skip(warmUp).mapToLong(Prediction::latencyMs));
            result.put("latencyAtHalfLoad", latency);
            err.printf("latency at %.0f events/s: p50 %d ms, p99 %d ms%n", halfRate, latency.get("p50Ms"), latency.get("p99Ms"));
            if (args.has("latency-log")) {
                writeLatencyLog(Path.of(args.get("latency-log")), inEventTimeOrder);
            }

            Phase train = runPhase("train", phases, events(images, args.getInt("train-events"), 1.0, 3), 0);
            long steps = args.getInt("train-events") / pipeline.adapt().batching().newPerStep();
            double stepsPerSecond = steps / train.spanSeconds();
            result.put("adaptationStepsPerSecond", Json.round(stepsPerSecond));
            result.put("adaptationImagesPerSecond", Math.round(stepsPerSecond * pipeline.adapt().batching().batchSize()));
            err.printf("adaptation: %.2f steps/s at batch %d%n", stepsPerSecond, pipeline.adapt().batching().batchSize());
        }
        result.put("inferenceBatch", pipeline.inference().maxBatch());
        result.put("thresholds", pipeline.inference().thresholds());
        result.put("cores", Runtime.getRuntime().availableProcessors());
        out.println(Json.line(result));
        return 0;
    }

    /**
     * Predictions of one phase and the span in which they were made. Emission time is event time plus the
     * latency the operator measured; Kafka timestamps would not do, since the sink stamps records with event time.
     */
    private record Phase(List<Prediction> predictions, long firstMillis, long lastMillis) {
        double spanSeconds() {
            return Math.max(1, lastMillis - firstMillis) / 1000.0;
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
            return collect(pipeline.outputs(), events.size());
        }
    }

    /** One line per prediction, in the order given (event time), for finding when the slow ones happened. */
    private void writeLatencyLog(Path file, List<Prediction> predictions) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("event_time_ms,latency_ms,exit_depth");
        predictions.forEach(p -> lines.add(p.eventTime() + "," + p.latencyMs() + "," + p.exitDepth()));
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
        return new Phase(predictions, first, last);
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
    private static List<ImageEvent> events(LabeledImages images, int n, double labeledFraction, long seed) {
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
