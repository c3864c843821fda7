package byot.stream.tools.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.JsonCodec;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import byot.stream.connectors.format.Prediction;
import byot.stream.jobs.SyntheticImages;
import byot.stream.jobs.operators.CheckpointedModel;
import byot.stream.model.io.ModelFile;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Three TaskManager processes SIGKILLed while 20,000 events stream through the job on a real cluster; each time the
 * job restarts from its last completed checkpoint by itself, and a replacement TaskManager starts. A
 * {@code read_committed} consumer then sees every event answered exactly once, model versions that never go back per
 * source, and a learner that resumed each time with the very weights its checkpoint held and trained on from there.
 *
 * <p>Which checkpoint held which weights, and what each restore resumed with, comes from the learner's log lines
 * ({@link CheckpointedModel}) in the TaskManagers' log files under target/tm-failover-it/log.
 *
 * <p>The job (parallelism 2) runs on two one-slot TaskManagers and a third one stands by, as a spare machine would:
 * the restart need not wait for a new JVM to come up. Each replacement becomes the next spare.
 */
@Tag("slow")
class TaskManagerFailoverITCase {
    static final Duration WAIT = LocalClusterITCase.WAIT;
    static final int EVENTS = 20_000;
    static final int PER_SECOND = 400;
    static final double LABELLED = 0.2;
    static final int SOURCES = 8;
    /** Fractions of the stream answered at each kill; the second kill hits the TaskManager without the learner. */
    static final double[] KILL_AT = {0.2, 0.5, 0.8};
    /**
     * Events sent only once the last kill has been recovered from, so the restored learner has labels to go on
     * with: when the pipeline keeps up, everything sent before could be answered by the time the last kill comes.
     */
    static final int TAIL = 2_000;

    /** One kill and the recovery after it, for the assertions and the timing report. */
    record Kill(String victim, boolean learnerWasThere, Instant at, long lastCompletedSeen, int sent, int answered,
                Duration toRunning) {}

    @Test
    void threeTaskManagerKillsLoseNoEventAnswerNoneTwiceAndResumeTheCheckpointedModel() throws Exception {
        Path dir = Path.of("target", "tm-failover-it");
        LocalClusterITCase.deleteRecursively(dir); // logs of this run only: the test parses them
        ClusterSpec spec = ClusterSpec.defaults(dir, ClusterClasspath.read(Path.of(LocalClusterITCase.property("byot.cluster.lib"))),
                        LocalClusterITCase.brokerClasspath())
                .withTaskManagers(3, 1)
                .withKafka(true, 2)
                .withSettings(Map.of(
                        // Attempts count over the job's life, and a kill costs two restarts here: the survivors'
                        // network failure, then a deployment into the dead TaskManager's not yet released slot.
                        "restart-strategy.type", "fixed-delay",
                        "restart-strategy.fixed-delay.attempts", "20",
                        "restart-strategy.fixed-delay.delay", "1 s",
                        // A dead TaskManager is noticed by failed heartbeat RPCs within a few intervals; the timeout
                        // only matters for a hung one and stays generous for a loaded 2-core machine.
                        "heartbeat.interval", "1 s",
                        "heartbeat.timeout", "8 s"));
        Path jar = Path.of(LocalClusterITCase.property("byot.job.jar"));
        assertThat(jar).as("job jar (built by the job-jar profile, on whenever tests run)").isRegularFile();
        long started = System.nanoTime();

        List<Kill> kills = new ArrayList<>();
        List<ConsumerRecord<byte[], byte[]>> predictionRecords;
        List<ConsumerRecord<byte[], byte[]>> modelRecords;
        TaskManagerLogs logs = new TaskManagerLogs(spec.dir());
        try (LocalCluster cluster = LocalCluster.start(spec, WAIT, line -> System.err.println("cluster: " + line))) {
            String bootstrap = cluster.bootstrapServers().orElseThrow();
            String jobId = cluster.rest().submit(jar, SubmitCommand.ADAPT_JOB, List.of(
                    "--bootstrap-servers", bootstrap,
                    "--width-mult", "0.0625",
                    "--checkpoint-interval-ms", "1000",
                    "--checkpoint-dir", spec.dir().resolve("checkpoints").toUri().toString(),
                    "--train-every", "16",
                    "--train-batch", "32",
                    "--publish-every-steps", "4",
                    "--publish-every-seconds", "2",
                    "--group-id", "tm-failover-it"), 2);
            awaitRecovered(cluster.rest(), jobId, logs, null);
            System.err.printf("job running after %d s%n", seconds(started));

            try (CommittedReader predictions = new CommittedReader(bootstrap, "predictions");
                 CommittedReader models = new CommittedReader(bootstrap, "models");
                 PacedProducer producer = new PacedProducer(bootstrap, events().subList(0, EVENTS - TAIL), PER_SECOND)) {
                long streaming = System.nanoTime();
                for (int k = 0; k < KILL_AT.length; k++) {
                    int answered = awaitAnswered(predictions, (int) (KILL_AT[k] * EVENTS));
                    Kill kill = killAndRecover(cluster, jobId, logs, k != 1, producer.sent(), answered);
                    kills.add(kill);
                    System.err.println("kill " + (k + 1) + ": " + kill);
                }
                try (PacedProducer tail = new PacedProducer(bootstrap, events().subList(EVENTS - TAIL, EVENTS), PER_SECOND)) {
                    awaitAnswered(predictions, EVENTS);
                    Thread.sleep(3_000); // a duplicate from a late commit would be visible by now
                    assertThat(producer.done()).isTrue();
                    assertThat(tail.done()).isTrue();
                }
                System.err.printf("streamed and answered %d events in %d s%n", EVENTS, seconds(streaming));
                predictionRecords = predictions.records();
                modelRecords = models.records();
            }
            cluster.rest().cancel(jobId);
        }
        System.err.printf("test body took %d s%n", seconds(started));
        System.err.printf("restarts: %d%n", Files.readAllLines(spec.dir().resolve("log").resolve("jobmanager.log")).stream()
                .filter(l -> l.contains("tasks will be restarted")).count());

        long checking = System.nanoTime();
        assertEveryEventAnsweredOnce(predictionRecords);
        List<Published> published = decodeModels(modelRecords);
        assertVersionsNeverGoBack(predictionRecords, published);
        assertEachRestoreResumedTheCheckpointedModel(logs, kills, published);
        System.err.printf("assertions took %d s%n", seconds(checking));
    }

    /** A committed model update and the digest of its weights. */
    record Published(ModelUpdate update, String weights) {
        long version() {
            return update.modelVersion();
        }
    }

    /** 20,000 synthetic images from {@value #SOURCES} cameras (the images and predictions key), a fifth labelled. */
    private static List<ImageEvent> events() {
        return SyntheticImages.events(EVENTS, 10, LABELLED, false, 61, "e-", 0).stream()
                .map(e -> new ImageEvent(e.id(), e.eventTimeMillis(), "camera-" + (Integer.parseInt(e.id().substring(2)) % SOURCES),
                        e.label(), e.height(), e.width(), e.channels(), e.encoding(), e.pixels()))
                .toList();
    }

    /**
     * Kills a TaskManager right after the learner logged a completed checkpoint, starts a replacement and waits until
     * the job has restored, runs every task and has completed a checkpoint after the restore.
     *
     * <p>Killing just after a completion line makes that checkpoint the newest one the restore may not go behind
     * ({@link Kill#lastCompletedSeen()}); the JobManager may still complete the next one before the kill lands, whose
     * completion line the learner then never writes, which is why restores are matched with snapshot lines.
     */
    private static Kill killAndRecover(LocalCluster cluster, String jobId, TaskManagerLogs logs, boolean learner, int sent,
                                       int answered) throws Exception {
        String learnerTm = taskManagersOf(cluster.rest(), jobId, "fine-tune").iterator().next();
        Set<String> busy = taskManagersOf(cluster.rest(), jobId, "early-exit");
        assertThat(busy).as("TaskManagers running inference").hasSize(2).contains(learnerTm);
        String victim = learner ? learnerTm : busy.stream().filter(n -> !n.equals(learnerTm)).findFirst().orElseThrow();
        List<String> alive = cluster.state().taskManagers().stream().filter(ClusterProcess::alive).map(ClusterProcess::name).toList();
        long seen = lastCompleted(logs);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (lastCompleted(logs) == seen) {
            assertThat(System.nanoTime()).as("no checkpoint completed for 30 s").isLessThan(deadline);
            Thread.sleep(20);
        }
        long lastCompleted = lastCompleted(logs);
        Instant at = Instant.now();
        cluster.killTaskManager(alive.indexOf(victim));
        // Also replaces a TaskManager that Flink's fatal-error handler took down while its tasks were cancelled.
        cluster.replenishTaskManagers(3, WAIT);
        awaitRecovered(cluster.rest(), jobId, logs, at);
        return new Kill(victim, learner, at, lastCompleted, sent, answered, Duration.between(at, Instant.now()));
    }

    private static long lastCompleted(TaskManagerLogs logs) throws Exception {
        return logs.completed().stream().mapToLong(l -> l.model().checkpointId()).max().orElse(-1);
    }

    /**
     * Waits until every task runs and the learner has completed a checkpoint since its latest restore (when
     * {@code killedAt} is given, a restore after that instant must exist): then the restore's announcement and the
     * answers up to there are committed, and the next kill starts from a settled job.
     */
    private static void awaitRecovered(FlinkRestClient rest, String jobId, TaskManagerLogs logs, Instant killedAt) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            JsonNode job = rest.get("/jobs/" + jobId);
            String state = job.path("state").asText();
            assertThat(state).as("job state").isIn("INITIALIZING", "CREATED", "RUNNING", "RESTARTING");
            boolean running = state.equals("RUNNING") && job.path("vertices").size() > 0;
            for (JsonNode v : job.path("vertices")) {
                running &= v.path("status").asText().equals("RUNNING");
            }
            long restoredId = -1;
            boolean restoredSinceKill = killedAt == null;
            for (TaskManagerLogs.Line r : logs.restored()) {
                restoredId = r.model().checkpointId();
                restoredSinceKill |= r.time().isAfter(killedAt);
            }
            if (running && restoredSinceKill && lastCompleted(logs) > restoredId) {
                return;
            }
            assertThat(System.nanoTime()).as("job %s not recovered after %s: %s", jobId, WAIT, job).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** The TaskManagers, by resource id ({@code taskmanager-N}), that run the subtasks of the vertex named {@code name}. */
    private static Set<String> taskManagersOf(FlinkRestClient rest, String jobId, String name) throws Exception {
        for (JsonNode v : rest.get("/jobs/" + jobId).path("vertices")) {
            if (v.path("name").asText().startsWith(name)) {
                Set<String> tms = new HashSet<>();
                for (JsonNode subtask : rest.get("/jobs/" + jobId + "/vertices/" + v.path("id").asText()).path("subtasks")) {
                    String tm = subtask.path("taskmanager-id").asText("");
                    assertThat(tm).as("taskmanager-id of a %s subtask: %s", name, subtask).startsWith("taskmanager-");
                    tms.add(tm);
                }
                return tms;
            }
        }
        throw new AssertionError("no vertex " + name + " in job " + jobId);
    }

    private static int awaitAnswered(CommittedReader predictions, int n) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            int answered = predictions.records().size();
            if (answered >= n) {
                return answered;
            }
            assertThat(System.nanoTime()).as("%d of %d events answered after %s", answered, n, WAIT).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** Every event has exactly one committed prediction: none lost with a killed process, none replayed twice. */
    private static void assertEveryEventAnsweredOnce(List<ConsumerRecord<byte[], byte[]>> records) throws Exception {
        JsonCodec<Prediction> json = JsonCodec.predictions();
        Map<String, Integer> count = new HashMap<>();
        for (var r : records) {
            Prediction p = json.decode(r.value());
            count.merge(p.id(), 1, Integer::sum);
        }
        Set<String> twice = count.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).collect(Collectors.toSet());
        assertThat(twice).as("events answered more than once").isEmpty();
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < EVENTS; i++) {
            expected.add("e-" + i);
        }
        assertThat(count.keySet()).as("answered events").isEqualTo(expected);
    }

    private static List<Published> decodeModels(List<ConsumerRecord<byte[], byte[]>> records) throws Exception {
        ModelUpdateCodec codec = new ModelUpdateCodec(ModelUpdateCodec.DEFAULT_MAX_PAYLOAD_BYTES);
        List<Published> out = new ArrayList<>();
        for (var r : records) {
            ModelUpdate u = codec.decode(r.value());
            out.add(new Published(u, ModelFile.weightsChecksum(ModelFile.fromBytes(u.payload()))));
        }
        return out;
    }

    /**
     * "Versions never go back", as a consumer can check it: per source id, in the offset order of the predictions
     * topic (keyed by source id, so one source's answers are on one partition in the order its images were read), the
     * model version never decreases, across all three failovers. It holds per partition as well here: images and
     * predictions have the same partition count and key, so each predictions partition has one writing subtask at a
     * time, and a restored subtask serves the model of the checkpoint that its committed answers precede. Every
     * version in a prediction is the initial model (0) or one committed on the models topic, whose versions never
     * decrease either; a version repeated there (the re-announcement after a restore) carries the same weights.
     */
    private static void assertVersionsNeverGoBack(List<ConsumerRecord<byte[], byte[]>> records, List<Published> published)
            throws Exception {
        JsonCodec<Prediction> json = JsonCodec.predictions();
        Map<String, Long> bySource = new HashMap<>();
        Map<Integer, Long> byPartition = new HashMap<>();
        Set<Long> versions = new HashSet<>();
        List<ConsumerRecord<byte[], byte[]>> ordered = new ArrayList<>(records);
        ordered.sort(Comparator.<ConsumerRecord<byte[], byte[]>>comparingInt(ConsumerRecord::partition).thenComparingLong(ConsumerRecord::offset));
        for (var r : ordered) {
            Prediction p = json.decode(r.value());
            long previous = bySource.getOrDefault(p.sourceId(), 0L);
            assertThat(p.modelVersion()).as("version of %s (offset %d of partition %d) after version %d for %s",
                    p.id(), r.offset(), r.partition(), previous, p.sourceId()).isGreaterThanOrEqualTo(previous);
            bySource.put(p.sourceId(), p.modelVersion());
            long previousInPartition = byPartition.getOrDefault(r.partition(), 0L);
            assertThat(p.modelVersion()).as("version of %s at offset %d of partition %d", p.id(), r.offset(), r.partition())
                    .isGreaterThanOrEqualTo(previousInPartition);
            byPartition.put(r.partition(), p.modelVersion());
            versions.add(p.modelVersion());
        }
        assertThat(bySource).as("sources answered").hasSize(SOURCES);

        assertThat(published.stream().map(Published::version).toList()).as("committed model versions").isSorted();
        Map<Long, String> weightsOf = new LinkedHashMap<>();
        for (Published u : published) {
            String first = weightsOf.putIfAbsent(u.version(), u.weights());
            assertThat(first == null ? u.weights() : first).as("weights of every committed record of version %d", u.version())
                    .isEqualTo(u.weights());
        }
        versions.remove(0L);
        assertThat(weightsOf.keySet()).as("versions that answered events are committed on the models topic").containsAll(versions);
    }

    /**
     * For every restore (a kill may cause more than one restart): the learner resumed with the version and weights it
     * logged when it snapshotted that checkpoint (and, where the completion reached it, logged again then); the restored checkpoint is no older than the last one completed
     * before the kill; the first model committed on the models topic after the restore is the announcement of exactly
     * those weights (the same version again, or the next one when steps were unpublished); and after the last restore
     * training went on to newer versions.
     */
    private static void assertEachRestoreResumedTheCheckpointedModel(TaskManagerLogs logs, List<Kill> kills,
                                                                     List<Published> published) throws Exception {
        Map<Long, CheckpointedModel> snapshots = byCheckpoint(logs.snapshots());
        Map<Long, CheckpointedModel> completed = byCheckpoint(logs.completed());
        completed.forEach((id, model) -> assertThat(snapshots.get(id)).as("snapshot line of completed checkpoint %d", id).isEqualTo(model));
        List<TaskManagerLogs.Line> restores = logs.restored();
        System.err.println("restores: " + restores);
        for (Kill kill : kills) {
            List<TaskManagerLogs.Line> after = restores.stream().filter(r -> r.time().isAfter(kill.at())).toList();
            assertThat(after).as("a restore after the kill of %s", kill.victim()).isNotEmpty();
            assertThat(after.get(0).model().checkpointId()).as("checkpoint restored after the kill of %s", kill.victim())
                    .isGreaterThanOrEqualTo(kill.lastCompletedSeen());
        }
        for (TaskManagerLogs.Line r : restores) {
            CheckpointedModel restored = r.model();
            // Matched with the snapshot line: a kill right after the JobManager completed the checkpoint can keep its
            // notification, and so its completion line, from the learner (a completion line, where there is one, agrees
            // with its snapshot line, above).
            assertThat(snapshots).as("snapshot line of restored checkpoint %d", restored.checkpointId())
                    .containsKey(restored.checkpointId());
            assertThat(restored).as("model restored in %s at %s vs the one its checkpoint snapshotted", r.taskManager(), r.time())
                    .isEqualTo(snapshots.get(restored.checkpointId()));

            Published announced = published.stream().filter(u -> u.update().createdAtMillis() >= r.time().toEpochMilli()).findFirst()
                    .orElseThrow(() -> new AssertionError("no model committed after the restore of checkpoint " + restored.checkpointId()));
            // With steps taken since its last publication the restored learner offers them as the next version, and the
            // publish gate may refuse it (these synthetic classes keep the holdout near chance): then training goes on
            // from the served weights and the first committed model after the restore is a later one, legitimately.
            if (!logs.gateRefused(restored.version() + 1, r.time())) {
                assertThat(announced.weights()).as("weights of version %d, the first model committed after restoring checkpoint %d",
                        announced.version(), restored.checkpointId()).isEqualTo(restored.weights());
            }
            assertThat(announced.version()).isBetween(restored.version(), restored.version() + 1);
        }
        long lastRestored = restores.get(restores.size() - 1).model().version();
        assertThat(published.get(published.size() - 1).version()).as("newest committed version after the last restore")
                .isGreaterThan(lastRestored);
    }

    /** The model of each checkpoint id in {@code lines}; a checkpoint logged twice must say the same both times. */
    private static Map<Long, CheckpointedModel> byCheckpoint(List<TaskManagerLogs.Line> lines) {
        Map<Long, CheckpointedModel> out = new HashMap<>();
        for (TaskManagerLogs.Line l : lines) {
            CheckpointedModel before = out.putIfAbsent(l.model().checkpointId(), l.model());
            assertThat(before == null ? l.model() : before).as("checkpoint %d logged twice", l.model().checkpointId())
                    .isEqualTo(l.model());
        }
        return out;
    }

    private static long seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1_000_000_000L;
    }
}
