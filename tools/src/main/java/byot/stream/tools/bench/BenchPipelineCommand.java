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
import byot.stream.jobs.operators.LearnerTime;
import byot.stream.tools.pipeline.LocalKafka;
import byot.stream.tools.pipeline.LocalPipeline;
import byot.stream.tools.pipeline.PipelineOutputs;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import byot.stream.connectors.kafka.LatestModelReader;
import byot.stream.connectors.kafka.ModelsTopicScan;
import byot.stream.jobs.operators.drift.ServedExitPolicy;
import byot.stream.model.exit.ExitPolicy;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.function.LongFunction;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.HdrHistogram.Histogram;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code byot bench pipeline}: Kafka → Flink → Kafka inference throughput against the same model's early-exit
 * throughput in one process, the same pipeline forced to full depth, latency at half of the measured maximum, and
 * fine-tuning steps per second. What early exit costs in accuracy is read pairwise ({@link EarlyExitCost}): each
 * early-exit answer against the deepest exit of the version that gave it, read back from the run's models topic.
 * Every phase sends the demo's mix ({@code --labeled-fraction} of the events labelled), so the learner trains while throughput and latency are measured, as it does in service; the adaptation run then
 * sends only labelled events, at a rate above what the learner trains on, for long enough that its steps per second
 * are its own and not its start-up's.
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
                .add("latency-events", "12000", "Events measured in the half-load latency run (about 40 s), after its warm-up")
                .add("warmup-max-seconds", "150", "Before the maximum-throughput rounds, and again before the measured half-load events, send"
                        + " events until the JIT compiler works less than a tenth of a core, for at most this long (0: no warm-up);"
                        + " the warm-up's own latency is reported beside the measured one. Unless --threshold or --thresholds is"
                        + " given, the measured phases serve the thresholds the warm-up's learner calibrated, as a job in service does")
                .add("train-events", "5000", "Labelled events for the adaptation run")
                .add("train-rate", "500", "Events per second in the adaptation run (every one labelled): more than the learner"
                        + " trains on at batch 32, so its steps per second are what it can do, not what it was offered")
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
        PipelineConfig fullDepth = forcedFullDepth(pipeline);
        // Every number checked here, before minutes of throughput rounds, not when its phase comes.
        int events = args.getPositiveInt("events");
        double labeled = labeledFraction(args);
        int rounds = args.getPositiveInt("rounds");
        int latencyEvents = args.getPositiveInt("latency-events");
        int trainEvents = args.getPositiveInt("train-events");
        double trainRate = args.getDouble("train-rate");
        if (!(trainRate > 0 && Double.isFinite(trainRate))) {
            throw new UsageException("--train-rate must be > 0, got " + args.get("train-rate"));
        }
        LabeledImages images = FashionMnist.locate(args.optional("data").map(Path::of)).load(FashionMnist.Split.TEST);
        List<ImageEvent> maxEvents = events(images, events, labeled, 1);

        Duration warmUpMax = Duration.ofSeconds(args.getInt("warmup-max-seconds"));
        if (warmUpMax.isNegative()) {
            throw new UsageException("--warmup-max-seconds must be >= 0, got " + args.get("warmup-max-seconds"));
        }
        JitWarmUp jit = new JitWarmUp(warmUpMax);

        try (LocalKafka kafka = LocalKafka.of(ClientOptions.given(args))) {
            JobSettings job = AdaptOptions.settings(args, kafka.client());
            Path checkpoints = Path.of(AdaptOptions.CHECKPOINT_DIR.get(args.configuration()));
            Phases warmUp = new Phases(kafka, job, checkpoints, pipeline, initial);
            // The process compiles its broker, Flink and model code for a minute or more: warm it up first, at full speed.
            Phase warm = runPhase("warm-up", warmUp, List.of(), 0, new WarmUpTraffic(jit, images, labeled, events));
            result.put("warmUp", warmUpReport(warm));
            // A job in service answers with the version its learner published last and the thresholds calibrated for
            // it: the measured phases start from the warm-up's newest version, with its thresholds unless thresholds
            // were given. The version travels without them (a version's own thresholds override the configured ones,
            // which would undo forced full depth), so every phase is told its thresholds explicitly.
            Optional<ModelUpdate> newest = newestModel(kafka, job, warm.modelsTopic());
            MultiExitModel start = newest.isPresent() ? ModelFile.fromBytes(newest.get().payload()) : model;
            byte[] startBytes = newest.isPresent() ? ModelFile.toBytes(start, true) : initial;
            result.put("startVersion", start.version());
            PipelineConfig served = pipeline;
            String thresholdsFrom = "configured";
            if (!args.given("threshold") && !args.given("thresholds") && newest.isPresent()) {
                ExitPolicy configured = pipeline.inference().policy();
                ExitPolicy policy = ServedExitPolicy.of(configured, newest.get().payload());
                if (policy != configured) {   // the version carries thresholds calibrated for this criterion
                    served = pipeline.withInference(pipeline.inference().withThresholds(policy.thresholds()));
                    thresholdsFrom = "calibrated by the learner during the warm-up (version " + start.version() + ")";
                }
            }
            err.println("from version " + start.version() + ", thresholds " + Arrays.toString(served.inference().thresholds())
                    + ": " + thresholdsFrom);
            result.put("thresholds", served.inference().thresholds());
            result.put("thresholdsFrom", thresholdsFrom);
            Phases early = new Phases(kafka, job, checkpoints, served, startBytes);
            Phases full = new Phases(kafka, job, checkpoints, fullDepth, startBytes);
            // Standalone, early exit and full depth in the same rounds (the pipeline's order alternating), so a slow
            // stretch of a shared machine slows both sides of a round's ratios.
            double[] standaloneRates = new double[rounds];
            List<Phase> earlyRuns = new ArrayList<>();
            List<Phase> fullRuns = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                standaloneRates[r] = standalone(start.snapshot(), served, maxEvents);
                err.printf("standalone-%d: early exit in this thread, %.0f img/s%n", r, standaloneRates[r]);
                if (r % 2 == 0) {
                    earlyRuns.add(runPhase("max-early-exit-" + r, early, maxEvents, 0, null));
                    fullRuns.add(runPhase("max-full-depth-" + r, full, maxEvents, 0, null));
                } else {
                    fullRuns.add(runPhase("max-full-depth-" + r, full, maxEvents, 0, null));
                    earlyRuns.add(runPhase("max-early-exit-" + r, early, maxEvents, 0, null));
                }
            }
            double[] earlyRates = earlyRuns.stream().mapToDouble(Phase::eventsPerSecond).toArray();
            double[] fullRates = fullRuns.stream().mapToDouble(Phase::eventsPerSecond).toArray();
            double[] ratios = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratios[r] = earlyRates[r] / fullRates[r];
            }
            double standalone = median(standaloneRates);
            result.put("standaloneImagesPerSecond", Math.round(standalone));
            result.put("standaloneImagesPerSecondPerRound", Arrays.stream(standaloneRates).mapToLong(Math::round).toArray());
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
            // What early exit costs: answers to the labelled events of every round, each scored as it was served
            // (before the learner trained on that event).
            versus.put("earlyExitAccuracy", roundedOrNull(accuracy(earlyRuns)));
            versus.put("fullDepthAccuracy", roundedOrNull(accuracy(fullRuns)));
            // ...and the same answers against the deepest exit of the version that gave each (the two runs' accuracies
            // differ by their learners and by chance as much as by the exits taken).
            Map<String, ImageEvent> sent = byId(maxEvents);
            EarlyExitCost earlyCost = new EarlyExitCost();
            for (Phase run : earlyRuns) {
                earlyCost.add(run.predictions(), sent, versionsOf(kafka, job, run, start.version(), startBytes));
            }
            EarlyExitCost.Result cost = earlyCost.result();
            versus.put("againstSameVersionDeepest", costReport(cost));
            err.printf("early exit's answers: %.2f %% right, the same versions' deepest exit %.2f %% on the same %d answers:"
                            + " %.2f pp given up (standard error %.2f pp, %d distinct images)%n", 100 * cost.served(), 100 * cost.deepest(),
                    cost.answers(), 100 * cost.loss(), 100 * cost.standardError(), cost.images());
            result.put("earlyExitVsFullDepth", versus);

            double halfRate = pipelineRate / 2;
            List<ImageEvent> halfEvents = events(images, latencyEvents, labeled, 2);
            // Chunks of 5 s: short enough not to overshoot the settling by much, long enough to span a model swap.
            Phase half = runPhase("half", early, halfEvents, halfRate,
                    new WarmUpTraffic(jit, images, labeled, (int) Math.max(1, Math.round(halfRate * 5))));
            List<Prediction> inEventTimeOrder = half.predictions.stream()
                    .sorted(Comparator.comparingLong(Prediction::eventTime)).toList();
            Map<String, Object> latency = new LinkedHashMap<>(latencyAtHalfLoad(Math.round(halfRate),
                    inEventTimeOrder.stream().mapToLong(Prediction::latencyMs)));
            latency.put("labeledFraction", Json.round(labeledShare(halfEvents)));
            // The half-load run serves the versions its learner publishes as it goes, each with its own thresholds.
            EarlyExitCost.Result halfCost = new EarlyExitCost()
                    .add(half.predictions(), byId(halfEvents), versionsOf(kafka, job, half, start.version(), startBytes)).result();
            latency.put("againstSameVersionDeepest", costReport(halfCost));
            latency.put("learnerSteps", half.steps());
            latency.put("learnerStepsPerSecond", Json.round(half.stepsPerSecond()));
            latency.put("learnerTime", learnerTime(half));
            Map<String, Object> halfWarmUp = warmUpReport(half);
            halfWarmUp.putAll(latencyAtHalfLoad(Math.round(halfRate), half.warmUpPredictions().stream().mapToLong(Prediction::latencyMs)));
            halfWarmUp.remove("rate");
            latency.put("warmUp", halfWarmUp);
            result.put("latencyAtHalfLoad", latency);
            err.printf("latency at %.0f events/s, %.0f%% labelled: p50 %d ms, p99 %d ms (warm-up: p99 %d ms); learner %.2f steps/s;"
                            + " early exit gave up %.2f pp (standard error %.2f) against the same versions' deepest exit (%d versions)%n",
                    halfRate, 100 * labeledShare(halfEvents), latency.get("p50Ms"), latency.get("p99Ms"), halfWarmUp.get("p99Ms"),
                    half.stepsPerSecond(), 100 * halfCost.loss(), 100 * halfCost.standardError(), halfCost.versions());
            if (args.has("latency-log")) {
                writeLatencyLog(Path.of(args.get("latency-log")), inEventTimeOrder);
            }

            Phase train = runPhase("train", early, events(images, trainEvents, 1.0, 3), trainRate, null);
            int batch = pipeline.adapt().batching().batchSize();
            result.put("adaptationStepsPerSecond", Json.round(train.stepsPerSecond()));
            result.put("adaptationImagesPerSecond", Math.round(train.stepsPerSecond() * batch));
            result.put("adaptationOfferedEventsPerSecond", Math.round(trainRate));
            result.put("adaptationSeconds", Json.round(train.learnerSeconds()));
            result.put("adaptationLearnerTime", learnerTime(train));
            LearnerTime.Totals steps = train.learner().of(LearnerTime.Work.STEP);
            LearnerTime.Totals gate = train.learner().of(LearnerTime.Work.GATE);
            OptionalDouble cores = learnerCores(train);
            err.printf("adaptation: %.2f steps/s at batch %d over %.0f s, offered %.0f labelled events/s; a step's passes took %s,"
                            + " %d publish-gate judgements%s: the learner's computations used %s%n",
                    train.stepsPerSecond(), batch, train.learnerSeconds(), trainRate, millis(steps), gate.count(),
                    gate.count() == 0 ? "" : " " + millis(gate) + " each",
                    cores.isPresent() ? String.format("%.2f of a core", cores.getAsDouble())
                            : "an unmeasured share of a core (steps on the task thread)");
        }
        result.put("inferenceBatch", pipeline.inference().maxBatch());
        Map<String, Object> learner = new LinkedHashMap<>();
        learner.put("slotGroup", pipeline.learnerSlotGroup());
        learner.put("threads", pipeline.learnerBudget().threads());
        learner.put("idleThreads", pipeline.learnerBudget().idleThreads());
        learner.put("timeShare", pipeline.learnerBudget().timeShare());
        learner.put("nice", pipeline.learnerBudget().nice());
        result.put("learner", learner);
        result.put("cores", Runtime.getRuntime().availableProcessors());
        out.println(Json.line(result));
        return 0;
    }

    /**
     * Where a phase's learner spent its time: a step's passes and a publish-gate judgement, wall-clock and CPU
     * milliseconds each (CPU time of the computing thread, not of its OpenMP workers), and the cores its computations
     * used over the phase's span (their CPU time over it). {@code stepsComputed} counts every step's passes, the drift
     * regime's extra steps and steps dropped as non-finite included; {@code learnerSteps} counts the steps applied.
     */
    static Map<String, Object> learnerTime(Phase phase) {
        LearnerTime.Totals steps = phase.learner().of(LearnerTime.Work.STEP);
        LearnerTime.Totals gate = phase.learner().of(LearnerTime.Work.GATE);
        Map<String, Object> time = new LinkedHashMap<>();
        time.put("stepsComputed", steps.count());
        time.put("stepMs", roundedOrNull(steps.meanMillis()));
        time.put("stepCpuMs", roundedOrNull(steps.meanCpuMillis()));
        time.put("gateJudgements", gate.count());
        time.put("gateMs", roundedOrNull(gate.meanMillis()));
        time.put("gateCpuMs", roundedOrNull(gate.meanCpuMillis()));
        OptionalDouble cores = learnerCores(phase);
        time.put("cores", cores.isPresent() ? Json.round(cores.getAsDouble()) : null);
        return time;
    }

    /** The learner's computations' CPU time over the time it was counted in, in cores; empty where none was measured. */
    private static OptionalDouble learnerCores(Phase phase) {
        LearnerTime.Totals steps = phase.learner().of(LearnerTime.Work.STEP);
        LearnerTime.Totals gate = phase.learner().of(LearnerTime.Work.GATE);
        if (steps.cpuCount() + gate.cpuCount() == 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of((steps.cpuNanos() + gate.cpuNanos()) / 1e9 / phase.learnerSeconds());
    }

    /** "118 ms (79 ms on a CPU)", or without the CPU time where it was not measured. */
    private static String millis(LearnerTime.Totals work) {
        String wall = String.format("%.0f ms", work.meanMillis());
        return work.cpuCount() == 0 ? wall : wall + String.format(" (%.0f ms on a CPU)", work.meanCpuMillis());
    }

    private static Double roundedOrNull(double value) {
        return Double.isNaN(value) ? null : Json.round(value);
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
     * event at full depth with this operator. Its learner calibrates no thresholds: inference serves a version with
     * the thresholds calibrated for it, and the run would no longer be at full depth.
     */
    static PipelineConfig forcedFullDepth(PipelineConfig pipeline) {
        InferenceConfig inference = pipeline.inference();
        double[] never = new double[inference.thresholds().length];
        Arrays.fill(never, inference.criterion().never());
        return pipeline.withInference(inference.withThresholds(never)).withDrift(pipeline.drift().withoutCalibration());
    }

    /** Share of the answers to labelled events in these runs that were right; empty when none was labelled. */
    static OptionalDouble accuracy(List<Phase> runs) {
        long answered = 0;
        long right = 0;
        for (Phase run : runs) {
            for (Prediction p : run.predictions()) {
                if (p.label() != null) {
                    answered++;
                    right += p.predictedClass() == p.label() ? 1 : 0;
                }
            }
        }
        return answered == 0 ? OptionalDouble.empty() : OptionalDouble.of((double) right / answered);
    }

    private static Double roundedOrNull(OptionalDouble value) {
        return value.isPresent() ? Json.round(value.getAsDouble()) : null;
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
     * Predictions of one phase's measured events and of its warm-up, and the learner's steps over both. Emission time
     * is event time plus the latency the operator measured; Kafka timestamps would not do, since the sink stamps
     * records with event time.
     *
     * @param learnerStoppedAt wall-clock ms when the savepoint that ended the learner's count completed
     */
    record Phase(List<Prediction> predictions, List<Prediction> warmUpPredictions, JitWarmUp.Result warmUp,
                 LocalPipeline.LearnerWork learner, long learnerStoppedAt, String modelsTopic) {
        long steps() {
            return learner.steps();
        }

        double eventsPerSecond() {
            return predictions.size() / spanSeconds(predictions);
        }

        /**
         * The learner's steps over the time they were counted in: from the first answer (the first labelled events
         * arrive with the first images) to the savepoint that stopped the job. To the last answer instead, the steps a
         * lagging learner took after it were counted with no time charged for them.
         */
        double stepsPerSecond() {
            return steps() / learnerSeconds();
        }

        double learnerSeconds() {
            List<Prediction> all = new ArrayList<>(warmUpPredictions);
            all.addAll(predictions);
            long first = all.stream().mapToLong(p -> p.eventTime() + p.latencyMs()).min().orElse(learnerStoppedAt);
            return Math.max(1, learnerStoppedAt - first) / 1000.0;
        }

        private static double spanSeconds(List<Prediction> predictions) {
            long first = predictions.stream().mapToLong(p -> p.eventTime() + p.latencyMs()).min().orElse(0);
            long last = predictions.stream().mapToLong(p -> p.eventTime() + p.latencyMs()).max().orElse(0);
            return Math.max(1, last - first) / 1000.0;
        }
    }

    /** Warm-up traffic before a phase's measured events: chunks of {@code chunkEvents} at the phase's rate. */
    private record WarmUpTraffic(JitWarmUp warmUp, LabeledImages images, double labeledFraction, int chunkEvents) {}

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

    private Phase runPhase(String name, Phases phases, List<ImageEvent> events, double rate, WarmUpTraffic warm) throws Exception {
        try (LocalPipeline pipeline = LocalPipeline.start(phases.kafka(), phases.config(name))) {
            String pace = rate > 0 ? " at " + Math.round(rate) + "/s" : " as fast as possible";
            JitWarmUp.Result warmed = JitWarmUp.Result.NONE;
            if (warm != null) {
                err.println(name + ": warming up" + pace + " until the JIT compiler settles");
                warmed = warm.warmUp().run(chunk -> {
                    List<ImageEvent> sent = warmUpEvents(warm, chunk);
                    int before = pipeline.outputs().predictionCount();
                    pipeline.send(sent, rate);
                    if (rate == 0) {
                        await(pipeline.outputs(), before + sent.size());   // else a backlog would outgrow the warm-up
                    }
                    return sent.size();
                });
                err.printf("%s: warm-up %.0f s, %d events, JIT %.2f of a core in its last chunk%s%n", name, warmed.seconds(),
                        warmed.events(), warmed.lastChunkJitCores(), warmed.settled() ? "" : " (not settled: --warmup-max-seconds ran out)");
            }
            if (!events.isEmpty()) {
                // At a rate, the measured events follow the warm-up's without a pause, on the same producer.
                err.println(name + ": " + events.size() + " events" + pace);
                pipeline.send(events, rate);
            }
            Map<Boolean, List<Prediction>> byWarmUp = await(pipeline.outputs(), warmed.events() + events.size()).stream()
                    .collect(Collectors.partitioningBy(p -> p.id().startsWith(WARM_UP_ID)));
            LocalPipeline.LearnerWork learner = pipeline.stopAndReadLearner();
            return new Phase(byWarmUp.get(false), byWarmUp.get(true), warmed, learner, System.currentTimeMillis(),
                    pipeline.settings().topics().models());
        }
    }

    private static final String WARM_UP_ID = "warm-up-";

    /** A chunk of warm-up events: seeds from 1000 on, ids that say what they are. */
    private static List<ImageEvent> warmUpEvents(WarmUpTraffic warm, int chunk) {
        return events(warm.images(), warm.chunkEvents(), warm.labeledFraction(), 1000 + chunk).stream()
                .map(e -> new ImageEvent(WARM_UP_ID + e.id(), e.eventTimeMillis(), e.sourceId(), e.label(), e.height(), e.width(),
                        e.channels(), e.encoding(), e.pixels()))
                .toList();
    }

    private static Map<String, ImageEvent> byId(List<ImageEvent> events) {
        return events.stream().collect(Collectors.toMap(ImageEvent::id, e -> e));
    }

    /**
     * The model files of a phase's versions: the one it started from and every one its learner published, read back
     * from its models topic (records that do not decode are left out). Each phase's learner numbers its versions from
     * the same start, so these belong to this phase alone.
     */
    private static LongFunction<Optional<byte[]>> versionsOf(LocalKafka kafka, JobSettings job, Phase phase, long startVersion,
                                                             byte[] startBytes) {
        Map<Long, byte[]> versions = publishedVersions(kafka, job, phase.modelsTopic());
        versions.putIfAbsent(startVersion, startBytes);
        return v -> Optional.ofNullable(versions.get(v));
    }

    private static Map<Long, byte[]> publishedVersions(LocalKafka kafka, JobSettings job, String modelsTopic) {
        Map<Long, byte[]> out = new HashMap<>();
        new ModelsTopicScan(kafka.client(), ModelUpdateCodec.forKey(job.modelKey()), Duration.ofSeconds(60))
                .scan(modelsTopic, new ModelsTopicScan.Visitor() {
                    @Override
                    public void decoded(ModelUpdate update, String where) {
                        out.put(update.modelVersion(), update.payload());
                    }

                    @Override
                    public void unreadable(String where, String reason) {
                        // counted as unscored answers, if any answer came from it
                    }
                });
        return out;
    }

    static Map<String, Object> costReport(EarlyExitCost.Result cost) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("answers", cost.answers());
        out.put("images", cost.images());
        out.put("servedAccuracy", cost.answers() == 0 ? null : Json.round(cost.served()));
        out.put("deepestAccuracy", cost.answers() == 0 ? null : Json.round(cost.deepest()));
        out.put("lossPp", cost.answers() == 0 ? null : Json.round(100 * cost.loss()));
        out.put("standardErrorPp", cost.answers() == 0 ? null : Json.round(100 * cost.standardError()));
        out.put("versions", cost.versions());
        out.put("unscored", cost.unscored());
        return out;
    }

    /** The newest version a phase's learner published, read back from its models topic; empty if it published none. */
    private static Optional<ModelUpdate> newestModel(LocalKafka kafka, JobSettings job, String modelsTopic) {
        ModelUpdateCodec codec = ModelUpdateCodec.forKey(job.modelKey());
        LatestModelReader.Result newest = new LatestModelReader(kafka.client(), codec, Duration.ofSeconds(60)).read(modelsTopic);
        if (newest instanceof LatestModelReader.Result.Undecodable bad) {
            throw new IllegalStateException("the warm-up's newest model at " + bad.where() + " does not decode: "
                    + bad.error().getMessage(), bad.error());
        }
        return newest instanceof LatestModelReader.Result.Found found ? Optional.of(found.update()) : Optional.empty();
    }

    private static Map<String, Object> warmUpReport(Phase phase) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("seconds", Json.round(phase.warmUp().seconds()));
        out.put("events", phase.warmUp().events());
        out.put("jitCoresInLastChunk", Json.round(phase.warmUp().lastChunkJitCores()));
        out.put("settled", phase.warmUp().settled());
        return out;
    }

    /** One line per prediction, in the order given (event time), for finding when the slow ones happened. */
    private void writeLatencyLog(Path file, List<Prediction> predictions) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("event_time_ms,latency_ms,exit_depth,model_version");
        predictions.forEach(p -> lines.add(p.eventTime() + "," + p.latencyMs() + "," + p.exitDepth() + "," + p.modelVersion()));
        Files.write(file, lines);
        err.println("latency log: " + file);
    }

    private static List<Prediction> await(PipelineOutputs outputs, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(8).toNanos();
        while (outputs.predictionCount() < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + outputs.predictionCount() + " of " + expected + " predictions after 8 minutes");
            }
            Thread.sleep(20);
        }
        return outputs.predictions();
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
