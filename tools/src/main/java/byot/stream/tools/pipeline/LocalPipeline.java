package byot.stream.tools.pipeline;

import byot.stream.connectors.dataset.LabeledImages;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.connectors.kafka.TopicAdmin;
import byot.stream.connectors.replay.ReplayConfig;
import byot.stream.connectors.replay.ReplayProducer;
import byot.stream.connectors.replay.ReplayProgress;
import byot.stream.connectors.replay.ReplaySummary;
import byot.stream.jobs.adapt.JobSettings;
import byot.stream.jobs.adapt.PipelineConfig;
import byot.stream.jobs.adapt.PipelineLaunch;
import byot.stream.jobs.operators.FineTuneOperator;
import byot.stream.jobs.operators.LearnerTime;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.CheckpointException;
import org.apache.flink.runtime.checkpoint.CheckpointFailureReason;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.util.ExceptionUtils;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The pipeline of one local run (demo, benchmarks, soak): its topics on a {@link LocalKafka}, the job on a
 * MiniCluster of this process, its input (a replay or a list of events) and its committed output
 * ({@link PipelineOutputs}). Closing it cancels the job; the broker belongs to the caller, so several runs can
 * share one.
 *
 * <p>The start sequence itself, settings to running job, is {@link PipelineLaunch} of the job module, and topic
 * names and settings are {@link JobSettings.Topics}: the integration tests of the job module start their pipelines
 * with the same two pieces ({@code PipelineTestKit}), since they cannot depend on this module. What is here and not
 * there is what only tools need: a broker chosen by a flag, replay from a data set, and reading the output while
 * the job runs.
 */
public final class LocalPipeline implements AutoCloseable {

    /**
     * One run's knobs.
     *
     * @param name        job name and consumer group of its image source
     * @param topics      created on start with {@link JobSettings.Topics#specs}
     * @param partitions  of the images, predictions and dead-letter topics
     * @param checkpoints checkpoint storage of the job
     * @param job         the run's delivery, checkpoint interval, pixel limit, buffer timeout and model key; its Kafka
     *                    client, topics, group, checkpoint directory and bounded flag are replaced by this run's
     * @param pipeline    the job graph's configuration
     * @param initialModel model file bytes the job starts from
     */
    public record Config(String name, JobSettings.Topics topics, int partitions, Path checkpoints, JobSettings job,
                         PipelineConfig pipeline, byte[] initialModel) {
        public Config {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(topics, "topics");
            Objects.requireNonNull(checkpoints, "checkpoints");
            Objects.requireNonNull(job, "job");
            Objects.requireNonNull(pipeline, "pipeline");
            Objects.requireNonNull(initialModel, "initialModel");
            if (partitions <= 0) {
                throw new IllegalArgumentException("partitions must be > 0, got " + partitions);
            }
        }

        JobSettings settings(KafkaClientProperties client) {
            return new JobSettings(new JobSettings.Kafka(client, topics, name, job.delivery()),
                    new JobSettings.Checkpoints(job.checkpointInterval(), checkpoints.toAbsolutePath().toUri().toString()),
                    new JobSettings.Source(false, job.maxPixelBytes()), job.bufferTimeout(), job.modelKey());
        }
    }

    private final JobSettings settings;
    private final PipelineOutputs outputs;
    private final JobClient job;
    private final ImageEventCodec codec = new ImageEventCodec(ImageLimits.DEFAULT);
    private KafkaProducer<byte[], byte[]> producer;
    private boolean cancelled;

    private LocalPipeline(JobSettings settings, PipelineOutputs outputs, JobClient job) {
        this.settings = settings;
        this.outputs = outputs;
        this.job = job;
    }

    /**
     * Creates the topics (existing ones are kept), starts reading their output from where they end now, then
     * submits the job with parallelism 1 and returns while it starts.
     */
    public static LocalPipeline start(LocalKafka kafka, Config config) throws Exception {
        return start(kafka, config, true);
    }

    /**
     * As {@link #start}, without {@link #outputs}: for a run that reads the output its own way in bounded memory
     * (a soak's predictions would fill the heap it measures).
     */
    public static LocalPipeline startWithoutCollecting(LocalKafka kafka, Config config) throws Exception {
        return start(kafka, config, false);
    }

    private static LocalPipeline start(LocalKafka kafka, Config config, boolean collect) throws Exception {
        JobSettings settings = config.settings(kafka.client());
        TopicAdmin.create(kafka.client(), config.topics().specs(config.partitions()));
        PipelineOutputs outputs = collect ? new PipelineOutputs(kafka.client(), config.topics()) : null;
        try {
            JobClient job = new PipelineLaunch(settings, config.pipeline(), config.initialModel(), 1)
                    .start(config.name(), new Configuration());
            return new LocalPipeline(settings, outputs, job);
        } catch (Exception e) {
            if (outputs != null) {
                outputs.close();
            }
            throw e;
        }
    }

    /** The job's settings, with the run's client, topics, group and checkpoints. */
    public JobSettings settings() {
        return settings;
    }

    /** The committed output read since the start; not there after {@link #startWithoutCollecting}. */
    public PipelineOutputs outputs() {
        if (outputs == null) {
            throw new IllegalStateException("this run was started without collecting its output");
        }
        return outputs;
    }

    /**
     * Streams {@code data} on another thread, as {@code byot produce} does; {@code replay} targets this run's images
     * topic ({@link #settings}).
     */
    public CompletableFuture<ReplaySummary> replay(ReplayConfig replay, LabeledImages data, Consumer<ReplayProgress> progress) {
        if (!replay.topic().equals(settings.topics().images())) {
            throw new IllegalArgumentException("replay to " + replay.topic() + ", but this run reads " + settings.topics().images());
        }
        ReplayProducer producer = new ReplayProducer(replay, data);
        return CompletableFuture.supplyAsync(() -> producer.run(progress));
    }

    /**
     * Sends {@code events} in this thread, each stamped with the moment it is sent, so a prediction's latency is end
     * to end; {@code rate} events per second, 0 as fast as the producer takes them. Calls share one producer, so
     * consecutive calls continue one stream (a new producer's first send waits for the topic's metadata).
     */
    public void send(List<ImageEvent> events, double rate) {
        if (producer == null) {
            producer = new KafkaProducer<>(settings.client().toProperties(Map.of("linger.ms", 5)), new ByteArraySerializer(),
                    new ByteArraySerializer());
        }
        long start = System.nanoTime();
        for (int i = 0; i < events.size(); i++) {
            if (rate > 0) {
                long wait = start + (long) (i / rate * 1e9) - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            ImageEvent e = events.get(i);
            ImageEvent stamped = new ImageEvent(e.id(), System.currentTimeMillis(), e.sourceId(), e.label(), e.height(),
                    e.width(), e.channels(), e.encoding(), e.pixels());
            producer.send(new ProducerRecord<>(settings.topics().images(), ImageEventCodec.key(stamped), codec.encode(stamped)));
        }
        producer.flush();
    }

    /**
     * What a stopped job's learner did: the steps it applied, and where its time went.
     *
     * @param steps training steps applied
     * @param time  its steps' and publish-gate judgements' wall-clock and CPU time
     */
    public record LearnerWork(long steps, Map<LearnerTime.Work, LearnerTime.Totals> time) {
        public LearnerTime.Totals of(LearnerTime.Work work) {
            return time.getOrDefault(work, LearnerTime.Totals.NONE);
        }
    }

    /**
     * Stops the job with a savepoint (into {@code savepoints} of its checkpoint directory) and returns what its
     * learner did. Not a cancel: a running job's accumulators reach the client only with the TaskManager's
     * heartbeats, seconds late, and a cancelled job's are not kept; a job that finishes hands over its final ones.
     */
    public LearnerWork stopAndReadLearner() throws Exception {
        cancelled = true;
        String savepoints = settings.checkpointDir().replaceAll("/+$", "") + "/savepoints";
        // A short run can end before every task has started (the learner loads its model while inference already
        // answers): the savepoint is refused until all tasks run, so ask again.
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (true) {
            try {
                job.stopWithSavepoint(false, savepoints, SavepointFormatType.CANONICAL).get(2, TimeUnit.MINUTES);
                break;
            } catch (ExecutionException e) {
                if (!notAllTasksRunning(e) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
        Map<String, Object> accumulators = job.getJobExecutionResult().get(1, TimeUnit.MINUTES).getAllAccumulatorResults();
        Object steps = accumulators.get(FineTuneOperator.STEPS_ACCUMULATOR);
        return new LearnerWork(steps == null ? 0 : ((Number) steps).longValue(), LearnerTime.read(accumulators));
    }

    private static boolean notAllTasksRunning(Throwable e) {
        return ExceptionUtils.findThrowable(e, CheckpointException.class)
                .map(c -> c.getCheckpointFailureReason() == CheckpointFailureReason.NOT_ALL_REQUIRED_TASKS_RUNNING).orElse(false);
    }

    /** Cancels the job (its retained checkpoints stay) and stops reading its output. */
    @Override
    public void close() throws Exception {
        try {
            if (producer != null) {
                producer.close();
            }
            if (!cancelled) {
                job.cancel().get();
            }
        } finally {
            if (outputs != null) {
                outputs.close();
            }
        }
    }
}
