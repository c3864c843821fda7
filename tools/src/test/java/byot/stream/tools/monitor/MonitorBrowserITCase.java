package byot.stream.tools.monitor;

import byot.stream.model.train.Trainer;
import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.broker.EmbeddedKafkaExtension;
import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.JsonCodec;
import byot.stream.connectors.format.MalformedRecordException;
import byot.stream.connectors.format.MetricsWindow;
import byot.stream.connectors.format.PixelEncoding;
import byot.stream.jobs.FineTuning;
import byot.stream.jobs.SyntheticImages;
import byot.stream.jobs.adapt.AdaptJob;
import byot.stream.jobs.adapt.AdaptPipeline;
import byot.stream.jobs.adapt.JobSettings;
import byot.stream.jobs.adapt.KafkaPipelineEndpoints;
import byot.stream.jobs.adapt.PipelineConfig;
import byot.stream.jobs.operators.EventTensors;
import byot.stream.jobs.operators.InferenceConfig;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.io.ModelFile;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import byot.stream.model.train.LrSchedule;
import byot.stream.model.train.SgdConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor page in a real browser against a live pipeline: embedded broker, the pipeline on a MiniCluster,
 * the monitor reading its topics, and headless Chromium loading the page. The rendered DOM must show exactly
 * what the metrics topic holds: the page names how many windows it has read (K), and its bars must equal the
 * sums over the first K committed records of the topic, whatever the pipeline writes meanwhile.
 */
class MonitorBrowserITCase {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("BYOT_CHROMIUM", "/usr/bin/chromium"));
    static final Duration WAIT = Duration.ofSeconds(Long.parseLong(System.getenv().getOrDefault("IT_WAIT_SECONDS", "120")));
    static final ModelSpec SPEC = ModelSpec.fashionMnist(Architecture.RESNET18, 0.0625);
    /** The rest of a tag's attributes; quoted values may hold '>' (e.g. a skipped record's reason in a title). */
    private static final String ATTRS = "(?:[^>\"]|\"[^\"]*\")*";
    static final Path OUT = Path.of(System.getProperty("basedir", "."), "target", "monitor-it");

    @Test
    void pageRendersTheLivePipelinesMetricsAndDeadLetters(@TempDir Path tmp) throws Exception {
        assertThat(Files.isExecutable(CHROMIUM))
                .as("headless Chromium is needed at %s for this test: apt-get install -y chromium", CHROMIUM).isTrue();
        JobSettings.Topics topics = new JobSettings.Topics("mon-images", "mon-predictions", "mon-models", "mon-metrics", "mon-dlq");

        MonitorState state = new MonitorState(120, 20, KAFKA.bootstrapServers(), topics.metrics(), topics.deadLetter(),
                System::currentTimeMillis);
        try (MetricsFeed feed = new MetricsFeed(new MetricsFeed.Config(KAFKA.client(), topics.metrics(), topics.deadLetter(),
                true), state); MonitorServer server = MonitorServer.start(0, state::snapshot)) {
            feed.start();
            await(state, s -> s.feed().state().equals("WAITING"), "the feed to wait for the missing metrics topic");

            KAFKA.createTopics(2, topics.images(), topics.predictions(), topics.deadLetter());
            KAFKA.createTopics(1, topics.models(), topics.metrics());
            // Not every writer of the topic is the pipeline: a broken record is skipped and counted, not fatal.
            KAFKA.send(topics.metrics(), "{\"windowStart\": oops".getBytes(StandardCharsets.UTF_8));

            JobClient job = startPipeline(topics, tmp.resolve("checkpoints"));
            try {
                produce(topics.images());
                await(state, s -> s.deadLettersRead() == 2 && s.history().stream().filter(w -> w.count() > 0).count() >= 3
                                && s.modelVersion() != null && s.modelVersion() > 0,
                        "3 windows with predictions, a fine-tuned model version and 2 dead letters");

                String dom = chromium(tmp, "--dump-dom", server.url().toString());
                Files.createDirectories(OUT);
                Files.writeString(OUT.resolve("monitor-dom.html"), dom);
                assertPageMatchesTopics(dom, topics);

                Path png = OUT.resolve("monitor.png");
                Files.deleteIfExists(png);
                chromium(tmp, "--screenshot=" + png.toAbsolutePath(), "--window-size=1280,900", server.url().toString());
                byte[] image = Files.readAllBytes(png);
                assertThat(Arrays.copyOf(image, 4)).as("PNG signature").containsExactly(0x89, 'P', 'N', 'G');
                assertThat(image.length).as("a rendered page, not a blank one").isGreaterThan(20_000);
            } finally {
                job.cancel().get();
            }
        }
    }

    private static void assertPageMatchesTopics(String dom, JobSettings.Topics topics) throws Exception {
        assertThat(attr(dom, "body", "data-rendered")).as("the page rendered /api/state").isEqualTo("true");
        int read = Integer.parseInt(attr(dom, "body", "data-windows"));
        assertThat(text(dom, "windows-read")).isEqualTo(String.valueOf(read));

        // The first K committed records of the metrics topic, the broken one skipped as the monitor does.
        List<MetricsWindow> windows = new ArrayList<>();
        int broken = 0;
        for (ConsumerRecord<byte[], byte[]> r : KAFKA.drain(topics.metrics())) {
            try {
                if (windows.size() < read) {
                    windows.add(JsonCodec.metricsWindows().decode(r.value()));
                }
            } catch (MalformedRecordException e) {
                broken++;
            }
        }
        assertThat(broken).isEqualTo(1);
        assertThat(windows).as("windows the page says it read").hasSize(read);
        assertThat(text(dom, "skipped")).isEqualTo("1");

        int exits = SPEC.sections();
        long[] total = new long[exits];
        TreeMap<Long, long[]> byWindow = new TreeMap<>();
        long newestVersion = -1;
        for (MetricsWindow w : windows) {
            long[] atStart = byWindow.computeIfAbsent(w.windowStart(), k -> new long[exits]);
            for (int i = 0; i < exits; i++) {
                total[i] += w.exitHistogram()[i];
                atStart[i] += w.exitHistogram()[i];
            }
            if (w.count() > 0) {
                newestVersion = Math.max(newestVersion, w.modelVersion());
            }
        }
        assertThat(bars(dom, "total")).as("exit bars of all windows read").isEqualTo(asMap(total));
        assertThat(Arrays.stream(total).sum()).as("predictions shown").isPositive()
                .isEqualTo(Long.parseLong(text(dom, "predictions").replace(",", "")));
        assertThat(bars(dom, "latest")).as("exit bars of the newest window").isEqualTo(asMap(byWindow.lastEntry().getValue()));
        assertThat(text(dom, "model-version")).isEqualTo(String.valueOf(newestVersion));
        assertThat(text(dom, "throughput")).endsWith(" /s");
        assertThat(dom).contains("data-state=\"CONNECTED\"");
        assertThat(count(dom, "<path[^>]*class=\"exit-area\"")).as("one area per exit over time").isEqualTo(exits);
        assertThat(count(dom, "<tr[^>]*class=\"accuracy-row\"")).isEqualTo(exits);

        List<String> reasons = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : KAFKA.drain(topics.deadLetter())) {
            DeadLetter d = JsonCodec.deadLetters().decode(r.value());
            reasons.add(d.reason().name());
        }
        List<String> rows = all(dom, "<tr[^>]*class=\"dead-letter\"[^>]*>", "data-reason");
        assertThat(rows).containsExactlyInAnyOrderElementsOf(reasons).hasSize(2);
        assertThat(text(dom, "dead-letter-count")).isEqualTo("2");
    }

    private static JobClient startPipeline(JobSettings.Topics topics, Path checkpoints) throws Exception {
        // A model that has seen the synthetic classes a little, so that some events leave early.
        MultiExitModel model = MultiExitModel.create(SPEC, 1);
        var trainer = new Trainer(model, DistillationConfig.defaults(TrainingMode.BYOT),
                new SgdConfig(0.05, 0.9, 5e-4, LrSchedule.CONSTANT, 0));
        List<ImageEvent> pretrain = SyntheticImages.events(320, 10, 1.0, false, 7, "p-", 0);
        for (int step = 0; step < 10; step++) {
            List<ImageEvent> batch = pretrain.subList(step * 32, step * 32 + 32);
            trainer.step(EventTensors.pixels(batch), EventTensors.labels(batch));
        }
        JobSettings settings = new JobSettings(new JobSettings.Kafka(KAFKA.client(), topics, "mon-group", DeliveryGuarantee.EXACTLY_ONCE),
                new JobSettings.Checkpoints(Duration.ofMillis(500), checkpoints.toUri().toString()));
        PipelineConfig config = new PipelineConfig(
                new InferenceConfig(16, 20, ExitCriterion.MAX_SOFTMAX, new double[] {0.35, 0.45, 0.55}),
                FineTuning.byot(200, 2, 60),
                1, Duration.ofSeconds(1), Duration.ofSeconds(1));
        var env = AdaptJob.environment(settings);
        env.setParallelism(1);
        AdaptPipeline.build(env, KafkaPipelineEndpoints.of(settings, SPEC), config, ModelFile.toBytes(model, false));
        return env.executeAsync("it-monitor");
    }

    /**
     * 300 events, half labelled, at 25 per second stamped when sent, as cameras would (Kafka sinks stamp records
     * with event time, and retention drops old segments): about ten 1-second windows close. Plus two records that
     * dead-letter.
     */
    private static void produce(String topic) throws Exception {
        ImageEventCodec codec = new ImageEventCodec(ImageLimits.DEFAULT);
        try (KafkaProducer<byte[], byte[]> producer = KAFKA.producer()) {
            List<ImageEvent> events = SyntheticImages.events(300, 10, 0.5, false, 11, "m-", 0);
            for (int i = 0; i < events.size(); i++) {
                ImageEvent e = events.get(i);
                long now = System.currentTimeMillis();
                e = new ImageEvent(e.id(), now, e.sourceId(), e.label(), e.height(), e.width(), e.channels(),
                        e.encoding(), e.pixels());
                producer.send(new ProducerRecord<>(topic, ImageEventCodec.key(e), codec.encode(e)));
                if (i == 100) {
                    producer.send(new ProducerRecord<>(topic, "not an image".getBytes(StandardCharsets.UTF_8)));
                    producer.send(new ProducerRecord<>(topic, codec.encode(new ImageEvent("tiny", now, "camera-9", 1,
                            8, 8, 1, PixelEncoding.RAW_UINT8, new byte[64]))));
                }
                Thread.sleep(40);
            }
            producer.flush();
        }
    }

    private static void await(MonitorState state, Predicate<MonitorSnapshot> done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.test(state.snapshot())) {
            if (System.nanoTime() > deadline) {
                MonitorSnapshot s = state.snapshot();
                throw new AssertionError("waited " + WAIT.toSeconds() + " s for " + what + "; feed " + s.feed().state() + " ("
                        + s.feed().detail() + "), windows " + s.totals().windows() + ", dead letters " + s.deadLettersRead()
                        + ", model version " + s.modelVersion());
            }
            Thread.sleep(200);
        }
    }

    /** Runs headless Chromium on one URL; returns its stdout (the DOM for --dump-dom). */
    private static String chromium(Path tmp, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--hide-scrollbars", "--user-data-dir=" + Files.createTempDirectory(tmp, "chromium"),
                // Virtual time runs the page's first poll and render before the DOM is dumped or the screenshot taken.
                "--virtual-time-budget=5000"));
        command.addAll(List.of(args));
        Path stdout = Files.createTempFile(tmp, "chromium", ".out");
        Path stderr = Files.createTempFile(tmp, "chromium", ".err");
        Process p = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
            throw new AssertionError("chromium did not finish within 60 s: " + tail(stderr));
        }
        assertThat(p.exitValue()).as("chromium exit code; stderr: %s", tail(stderr)).isZero();
        return Files.readString(stdout);
    }

    private static String tail(Path file) throws IOException {
        String s = Files.readString(file);
        return s.substring(Math.max(0, s.length() - 2_000));
    }

    private static Map<Integer, Long> bars(String dom, String scope) {
        Map<Integer, Long> out = new TreeMap<>();
        Matcher m = Pattern.compile("<rect" + ATTRS + ">").matcher(dom);
        while (m.find()) {
            String tag = m.group();
            if (tag.contains("class=\"exit-bar\"") && tag.contains("data-scope=\"" + scope + "\"")) {
                out.put(Integer.parseInt(value(tag, "data-exit")), Long.parseLong(value(tag, "data-count")));
            }
        }
        return out;
    }

    private static Map<Integer, Long> asMap(long[] histogram) {
        Map<Integer, Long> out = new TreeMap<>();
        for (int i = 0; i < histogram.length; i++) {
            out.put(i + 1, histogram[i]);
        }
        return out;
    }

    /** The text of the element with {@code id}, which holds text only. */
    private static String text(String dom, String id) {
        Matcher m = Pattern.compile("\\bid=\"" + id + "\"" + ATTRS + ">([^<]*)<").matcher(dom);
        assertThat(m.find()).as("element #%s in the page", id).isTrue();
        return m.group(1).trim();
    }

    private static String attr(String dom, String tagName, String name) {
        Matcher m = Pattern.compile("<" + tagName + "\\b" + ATTRS + ">").matcher(dom);
        assertThat(m.find()).as("<%s> in the page", tagName).isTrue();
        return value(m.group(), name);
    }

    private static List<String> all(String dom, String tagPattern, String name) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile(tagPattern).matcher(dom);
        while (m.find()) {
            out.add(value(m.group(), name));
        }
        return out;
    }

    private static String value(String tag, String name) {
        Matcher m = Pattern.compile("\\b" + Pattern.quote(name) + "=\"([^\"]*)\"").matcher(tag);
        assertThat(m.find()).as("attribute %s in %s", name, tag).isTrue();
        return m.group(1);
    }

    private static int count(String dom, String pattern) {
        Matcher m = Pattern.compile(pattern).matcher(dom);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
