package byot.stream.tools.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.JsonCodec;
import byot.stream.connectors.format.Prediction;
import byot.stream.jobs.SyntheticImages;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The shaded job jar on a real standalone cluster: a JobManager, two TaskManagers and a Kafka broker, each its own
 * JVM, the jar submitted over REST as {@code byot submit} does. Runs under failsafe, after the job-jar profile has
 * built the jar; its processes' logs stay in target/local-cluster-it/log.
 */
@Tag("slow")
class LocalClusterITCase {
    static final Duration WAIT = Duration.ofSeconds(Long.parseLong(System.getenv().getOrDefault("IT_WAIT_SECONDS", "240")));
    static final int EVENTS = 500;

    @Test
    void jobOnTwoTaskManagersAnswersEveryEventExactlyOnceAndStopLeavesNoProcess() throws Exception {
        Path dir = Path.of("target", "local-cluster-it");
        deleteRecursively(dir); // logs of this run only
        ClusterSpec spec = ClusterSpec.defaults(dir, ClusterClasspath.read(Path.of(property("byot.cluster.lib"))), brokerClasspath())
                .withTaskManagers(2, 1)
                .withKafka(true, 2);
        Path jar = Path.of(property("byot.job.jar"));
        assertThat(jar).as("job jar (built by the job-jar profile, on whenever tests run)").isRegularFile();

        LocalCluster cluster = LocalCluster.start(spec, WAIT, line -> System.err.println("cluster: " + line));
        List<ClusterProcess> processes = cluster.state().processes();
        try {
            assertThat(processes).hasSize(4).allMatch(ClusterProcess::alive);
            assertThat(processes.stream().map(ClusterProcess::pid).collect(Collectors.toSet()))
                    .hasSize(4).doesNotContain(ProcessHandle.current().pid());
            String bootstrap = cluster.bootstrapServers().orElseThrow();
            var page = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(cluster.restUrl() + "/")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(page.body()).as("web UI").contains("<title>Apache Flink Web Dashboard</title>");

            String jobId = cluster.rest().submit(jar, SubmitCommand.ADAPT_JOB, List.of(
                    "--bootstrap-servers", bootstrap,
                    "--width-mult", "0.125",
                    "--checkpoint-interval-ms", "1000",
                    "--checkpoint-dir", dir.toAbsolutePath().resolve("checkpoints").toUri().toString(),
                    "--group-id", "local-cluster-it"), 2);
            awaitAllTasksRunning(cluster.rest(), jobId);
            // Parallelism 2 over two one-slot TaskManagers: each process runs a share of the job.
            for (JsonNode tm : cluster.rest().get("/taskmanagers").path("taskmanagers")) {
                assertThat(tm.path("slotsNumber").asInt() - tm.path("freeSlots").asInt()).as("busy slots of %s", tm.path("id"))
                        .isEqualTo(1);
            }

            long now = System.currentTimeMillis(); // the sinks stamp records with event time; retention must not delete them
            List<ImageEvent> events = SyntheticImages.events(EVENTS, 10, 0.3, false, 5, "c-", now);
            produce(bootstrap, events);
            List<Prediction> predictions = readPredictions(bootstrap, events.size());

            assertThat(predictions).as("one committed prediction per event, none twice").hasSize(events.size());
            assertThat(predictions.stream().map(Prediction::id).collect(Collectors.toSet()))
                    .isEqualTo(events.stream().map(ImageEvent::id).collect(Collectors.toSet()));
            Map<String, Long> eventTimes = events.stream().collect(Collectors.toMap(ImageEvent::id, ImageEvent::eventTimeMillis));
            for (Prediction p : predictions) {
                assertThat(p.exitDepth()).isBetween(1, 4);
                assertThat(p.exitConfidences()).hasSize(p.exitDepth());
                assertThat(p.confidence()).isBetween(0.0, 1.0).isEqualTo(p.exitConfidences()[p.exitDepth() - 1]);
                assertThat(p.predictedClass()).isBetween(0, 9);
                if (p.exitDepth() < 4) {
                    assertThat(p.confidence()).as("an early answer clears the threshold").isGreaterThanOrEqualTo(0.9);
                }
                assertThat(p.eventTime()).isEqualTo(eventTimes.get(p.id()));
            }

            cluster.rest().cancel(jobId);
            awaitJobState(cluster.rest(), jobId, "CANCELED");
        } finally {
            cluster.close();
        }
        for (ClusterProcess p : processes) {
            assertThat(ProcessHandle.of(p.pid()).map(ProcessHandle::isAlive).orElse(false)).as("%s still running", p.name()).isFalse();
        }
        assertThat(dir.resolve(ClusterState.FILE)).doesNotExist();
        assertThat(dir.resolve("log").resolve("taskmanager-2.log")).isRegularFile();
    }

    static void deleteRecursively(Path root) throws Exception {
        if (Files.exists(root)) {
            try (var paths = Files.walk(root)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    static String property(String name) {
        String v = System.getProperty(name);
        assertThat(v).as("system property %s (set by failsafe in jobs/pom.xml)", name).isNotBlank();
        return v;
    }

    /** This module's classes and runtime dependencies: what {@code ./byot kafka} runs with. */
    static String brokerClasspath() throws Exception {
        return property("byot.broker.classpath") + java.io.File.pathSeparator
                + Files.readString(Path.of(property("byot.broker.classpath.file"))).trim();
    }

    private static void awaitAllTasksRunning(FlinkRestClient rest, String jobId) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            JsonNode job = rest.get("/jobs/" + jobId);
            boolean running = job.path("state").asText().equals("RUNNING") && job.path("vertices").size() > 0;
            for (JsonNode v : job.path("vertices")) {
                running &= v.path("status").asText().equals("RUNNING");
            }
            if (running) {
                return;
            }
            assertThat(job.path("state").asText()).as("job state").isIn("INITIALIZING", "CREATED", "RUNNING");
            assertThat(System.nanoTime()).as("job %s not running after %s: %s", jobId, WAIT, job).isLessThan(deadline);
            Thread.sleep(500);
        }
    }

    private static void awaitJobState(FlinkRestClient rest, String jobId, String state) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!rest.get("/jobs/" + jobId).path("state").asText().equals(state)) {
            assertThat(System.nanoTime()).as("job %s never reached %s", jobId, state).isLessThan(deadline);
            Thread.sleep(250);
        }
    }

    private static void produce(String bootstrap, List<ImageEvent> events) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        ImageEventCodec codec = new ImageEventCodec(ImageLimits.DEFAULT);
        try (var producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (ImageEvent e : events) {
                producer.send(new ProducerRecord<>("images", ImageEventCodec.key(e), codec.encode(e)));
            }
            producer.flush();
        }
    }

    /**
     * Reads committed predictions until every event has one, then one more second of checkpoints: a duplicate would be
     * committed by then.
     */
    private static List<Prediction> readPredictions(String bootstrap, int expected) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        JsonCodec<Prediction> json = JsonCodec.predictions();
        List<Prediction> out = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        try (var consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor("predictions").stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + WAIT.toNanos();
            long settleUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settleUntil)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(250))) {
                    Prediction pred = json.decode(r.value());
                    out.add(pred);
                    seen.merge(pred.id(), 1, Integer::sum);
                }
                if (seen.size() >= expected && settleUntil == Long.MAX_VALUE) {
                    settleUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                }
            }
        }
        Set<String> twice = seen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).collect(Collectors.toSet());
        assertThat(twice).as("events predicted more than once").isEmpty();
        assertThat(seen).as("events with a prediction after %s", WAIT).hasSize(expected);
        return out;
    }
}
