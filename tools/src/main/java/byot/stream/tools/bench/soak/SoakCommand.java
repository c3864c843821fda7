package byot.stream.tools.bench.soak;

import byot.stream.connectors.dataset.FashionMnist;
import byot.stream.connectors.dataset.LabeledImages;
import byot.stream.connectors.replay.ReplayConfig;
import byot.stream.connectors.replay.ReplaySummary;
import byot.stream.jobs.adapt.AdaptJob;
import byot.stream.jobs.adapt.AdaptOptions;
import byot.stream.jobs.adapt.JobSettings;
import byot.stream.tools.cli.Command;
import byot.stream.jobs.config.ClientOptions;
import byot.stream.jobs.config.ModelOptions;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.tools.cli.StatusLine;
import byot.stream.jobs.config.UsageException;
import byot.stream.tools.pipeline.LocalKafka;
import byot.stream.tools.pipeline.LocalPipeline;
import byot.stream.tools.train.Json;
import byot.stream.model.io.ModelFile;
import byot.stream.model.runtime.NativeMemory;
import byot.stream.model.spec.ModelSpec;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.configuration.Configuration;

/**
 * {@code byot bench soak}: the pipeline at a fixed rate for many minutes, in this JVM ({@link LocalPipeline}: an
 * embedded broker or the brokers of {@code --bootstrap-servers}, a local MiniCluster), sampling heap, ND4J native memory, GC, checkpoint size, throughput and end-to-end latency.
 * Fashion-MNIST's training split loops, a share of it labelled, so the model keeps learning and inference
 * keeps swapping versions: the paths where native memory would leak. Ends with every sent event accounted for.
 */
public final class SoakCommand implements Command {

    private static final Duration DRAIN_LIMIT = Duration.ofMinutes(3);

    private final PrintStream out;
    private final PrintStream err;

    public SoakCommand() {
        this(System.out, System.err);
    }

    SoakCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public String name() {
        return "bench soak";
    }

    @Override
    public String summary() {
        return "Long run at a fixed rate: memory (heap, ND4J native), GC, state size, throughput, latency, lost events";
    }

    @Override
    public Options options() {
        // Its own checkpoints, and its own broker unless --bootstrap-servers names one.
        return ClientOptions.embeddedBrokerByDefault(AdaptOptions.declare())
                .add("minutes", "30", "How long to drive the pipeline")
                .add("rate", "384", "Events per second (about half of the pipeline's maximum on 2 cores, see docs/benchmarks.md)")
                .add("labeled-fraction", "0.3", "Share of events with labels, which drive fine-tuning (the demo's mix)")
                .add("sample-seconds", "5", "Interval between samples")
                .add("live-heap-seconds", "60", "Interval between full collections that read the live heap (each pauses the pipeline briefly)")
                .add("data", null, "Directory with the Fashion-MNIST IDX files")
                .add("out", "out/soak", "Where report.json, memory.png and traffic.png go");
    }

    @Override
    public int run(Parsed args) throws Exception {
        Configuration job = args.configuration();
        double minutes = args.getDouble("minutes");
        double rate = args.getDouble("rate");
        if (!(minutes > 0) || !(rate > 0)) {
            throw new UsageException("--minutes and --rate must be > 0");
        }
        Cadence cadence = new Cadence(args.getDouble("sample-seconds"), args.getDouble("live-heap-seconds"));
        Path outDir = Path.of(args.get("out")).toAbsolutePath();
        Path checkpoints = outDir.resolve("checkpoints");
        Files.createDirectories(outDir);
        LabeledImages data = FashionMnist.locate(args.optional("data").map(Path::of)).load(FashionMnist.Split.TRAIN);
        byte[] initial = AdaptJob.initialModel(args.configuration());
        ModelSpec spec = ModelFile.spec(initial);
        long events = Math.round(minutes * 60 * rate);

        try (LocalKafka kafka = LocalKafka.of(ClientOptions.given(args))) {
            int partitions = 2;
            // The defaults on its own broker; on the user's, topics and group of this run alone.
            String name = kafka.embedded() ? "byot-soak" : "byot-soak-" + System.currentTimeMillis();
            JobSettings.Topics topics = kafka.embedded() ? JobSettings.Topics.defaults() : JobSettings.Topics.prefixed(name);
            LocalPipeline.Config config = new LocalPipeline.Config(name, topics, partitions, checkpoints,
                    AdaptOptions.settings(args, kafka.client()), AdaptOptions.pipeline(args, spec.sections()), initial);
            try (LocalPipeline pipeline = LocalPipeline.startWithoutCollecting(kafka, config)) {
                err.printf("soak: %s, %.0f events/s for %.0f min (%,d events), %s delivery, samples every %s s%n",
                        spec.summary(), rate, minutes, events, AdaptOptions.DELIVERY.get(job), args.get("sample-seconds"));
                NativeMemory.offHeapCaveat().ifPresent(c -> err.println("soak: warning: " + c));

                AtomicLong sent = new AtomicLong();
                ReplayConfig replayConfig = ReplayConfig.onePass(kafka.client(), topics.images(), FashionMnist.Split.TRAIN.label())
                        .rate(rate).labeledFraction(args.getDouble("labeled-fraction")).limit(events, true)
                        .seed(ModelOptions.SEED.get(job));
                CompletableFuture<ReplaySummary> replay = pipeline.replay(replayConfig, data, p -> sent.set(p.sent()));

                List<ResourceSample> samples = new ArrayList<>();
                try (PredictionTally tally = new PredictionTally(kafka.client(), topics.predictions(), data.size())) {
                    sample(tally, sent, replay, new ResourceProbe(checkpoints), samples, cadence, events);
                    ReplaySummary replayed = replay.join();

                    Map<String, Object> run = new LinkedHashMap<>();
                    run.put("command", byot.stream.tools.bench.CommandLine.everyOption("./byot bench soak", options(), args));
                    run.put("model", spec.summary());
                    run.put("minutes", minutes);
                    run.put("rate", rate);
                    run.put("delivery", AdaptOptions.DELIVERY.get(job));
                    run.put("sent", replayed.sent());
                    run.put("sendErrors", replayed.errors());
                    run.put("predictions", tally.predicted());
                    run.put("missing", tally.missing(replayed.sent()));
                    run.put("duplicates", tally.duplicates());
                    run.put("finalModelVersion", tally.newestVersion());
                    run.put("jvm", ManagementFactory.getRuntimeMXBean().getInputArguments());
                    SoakReport report = new SoakReport(samples);
                    Map<String, Object> summary = report.summary(run);
                    report.write(outDir, summary);
                    err.println("report: " + outDir.resolve("report.json") + ", plots: " + outDir.resolve("memory.png") + ", "
                            + outDir.resolve("traffic.png"));
                    out.println(Json.line(summary));
                    boolean ok = tally.missing(replayed.sent()) == 0 && replayed.errors() == 0
                            && (!AdaptOptions.DELIVERY.get(job).equals("exactly-once") || tally.duplicates() == 0);
                    return ok ? 0 : 1;
                }
            }
        }
    }

    /** How often to sample, and how often to pay for a full collection to read the live heap. */
    private record Cadence(double sampleSeconds, double liveHeapSeconds) {
        Cadence {
            if (!(sampleSeconds > 0) || !(liveHeapSeconds > 0)) {
                throw new UsageException("--sample-seconds and --live-heap-seconds must be > 0");
            }
        }
    }

    /** Samples until the replay is done and every sent event is answered (or the drain limit passes). */
    private void sample(PredictionTally tally, AtomicLong sent, CompletableFuture<ReplaySummary> replay, ResourceProbe probe,
                        List<ResourceSample> samples, Cadence cadence, long events) {
        StatusLine status = new StatusLine(err);
        double intervalSeconds = cadence.sampleSeconds();
        long start = System.nanoTime();
        long interval = (long) (intervalSeconds * 1e9);
        long next = start + interval;
        long liveHeapInterval = (long) (cadence.liveHeapSeconds() * 1e9);
        long nextLiveHeap = start + liveHeapInterval;
        long liveHeap = probe.liveHeap();
        long lastPredicted = 0;
        long lastGc = probe.gcMillisTotal();
        long drainDeadline = Long.MAX_VALUE;
        while (true) {
            tally.poll(Duration.ofMillis(200));
            long now = System.nanoTime();
            if (now >= next) {
                double at = (now - start) / 1e9;
                if (now >= nextLiveHeap) {
                    liveHeap = probe.liveHeap();
                    nextLiveHeap += liveHeapInterval;
                }
                long gc = probe.gcMillisTotal();
                long[] latency = tally.drainLatencies(0.5, 0.99);
                NativeMemory nativeMemory = probe.nativeMemory();
                ResourceSample s = new ResourceSample(Math.round(at * 10) / 10.0, probe.heapUsed(), liveHeap,
                        nativeMemory.offHeapResidentBytes(), nativeMemory.javacppBytes(), nativeMemory.javacppPointers(),
                        nativeMemory.processResidentBytes(),
                        gc - lastGc, probe.newestCheckpointBytes(), sent.get(), tally.predicted(),
                        Json.round((tally.predicted() - lastPredicted) / intervalSeconds), latency[0], latency[1], tally.newestVersion());
                samples.add(s);
                lastGc = gc;
                lastPredicted = tally.predicted();
                next += interval;
                status.update((double) tally.distinct() / events, String.format(
                        "%,d/%,d answered  %.0f ev/s  p99 %d ms  model v%d  heap %d MB  native %d MB  rss %d MB  ckpt %.1f MB  %s",
                        tally.distinct(), events, s.eventsPerSecond(), s.latencyP99Ms(), s.modelVersion(),
                        s.liveHeapBytes() >> 20, s.nativeBytes() >> 20, s.residentBytes() >> 20,
                        s.checkpointBytes() / 1048576.0, StatusLine.duration(at)));
            }
            if (replay.isDone()) {
                long total = replay.join().sent();
                if (tally.missing(total) == 0) {
                    break;
                }
                drainDeadline = Math.min(drainDeadline, now + DRAIN_LIMIT.toNanos());
                if (now > drainDeadline) {
                    err.println("\nsoak: " + tally.missing(total) + " events still unanswered " + DRAIN_LIMIT.toMinutes()
                            + " min after the last one was sent");
                    break;
                }
            }
        }
        status.finish();
    }
}
