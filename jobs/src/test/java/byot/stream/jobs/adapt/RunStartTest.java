package byot.stream.jobs.adapt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.jobs.config.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a run keeps its checkpoints, that they outlive a cancel, and how it is told to resume. */
class RunStartTest {

    private static Configuration parse(String... args) {
        return AdaptOptions.declare().parse(args).configuration();
    }

    private static Configuration parseOver(ReadableConfig cluster, String... args) {
        return AdaptOptions.declare().parse(args).configuration(cluster);
    }

    @Test
    void checkpointsDefaultToADirectoryOfTheUserNotASharedTemporaryOne() throws Exception {
        String dir = AdaptOptions.settings(parse()).checkpointDir();
        // Flink needs a scheme; a relative default is resolved against the working directory once, here.
        assertThat(dir).as("not the old shared default").doesNotContain("/tmp/byot")
                .isEqualTo(Path.of("out/checkpoints").toAbsolutePath().toUri().toString().replaceAll("/$", ""));
        assertThat(AdaptOptions.settings(parse("--checkpoint-dir", "s3://b/c")).checkpointDir()).isEqualTo("s3://b/c");
    }

    @Test
    void aLocalCheckpointDirectoryIsCreatedOwnerOnly(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("a/checkpoints");
        CheckpointDirectory checkpoints = CheckpointDirectory.of(dir.toUri().toString());

        assertThat(checkpoints.ensurePrivate()).isEmpty();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(checkpoints.local()).contains(dir);
    }

    @Test
    void anExistingDirectoryOthersCanReadIsLeftAloneWithAWarning(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));

        assertThat(CheckpointDirectory.of(dir.toString()).ensurePrivate()).hasValueSatisfying(w -> assertThat(w)
                .contains(dir.toString()).contains("rwxr-xr-x").contains("chmod 700"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwxr-xr-x");
    }

    @Test
    void aRemoteFileSystemIsPassedThrough() throws Exception {
        CheckpointDirectory s3 = CheckpointDirectory.of("s3://bucket/byot/checkpoints");
        assertThat(s3.uri()).isEqualTo("s3://bucket/byot/checkpoints");
        assertThat(s3.local()).isEmpty();
        assertThat(s3.ensurePrivate()).isEmpty();
    }

    /** Two sinks on one topic share a transactional-id prefix and fence each other: refused before the job starts. */
    @Test
    void twoRolesOnOneTopicAreAUsageError() {
        assertThatThrownBy(() -> AdaptOptions.settings(parse("--predictions-topic", "x", "--dead-letter-topic", "x")))
                .isInstanceOf(UsageException.class).hasMessageContaining("five different names");
        assertThatThrownBy(() -> AdaptOptions.settings(parse("--metrics-topic", "images")))
                .isInstanceOf(UsageException.class).hasMessageContaining("images images");
    }

    @Test
    void checkpointsAreRetainedWhenTheJobIsCancelled() throws Exception {
        JobSettings settings = AdaptOptions.settings(parse());
        var conf = AdaptJob.environment(settings).getConfiguration();
        assertThat(conf.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    }

    @Test
    void fromSavepointRestoresAndSkipsTheModelsTopic() throws Exception {
        Configuration args = parse("--from-savepoint", "file:///sp/savepoint-1", "--allow-non-restored-state");
        StartSettings start = AdaptOptions.start(args);
        var env = AdaptJob.environment(AdaptOptions.settings(args), start);

        assertThat(start).isEqualTo(new StartSettings(Optional.of("file:///sp/savepoint-1"), true, true));
        assertThat(env.getConfiguration().get(StateRecoveryOptions.SAVEPOINT_PATH)).isEqualTo("file:///sp/savepoint-1");
        assertThat(env.getConfiguration().get(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE)).isTrue();
        assertThat(AdaptJob.restoresState(env)).isTrue();
        // No broker at this address: a restore must not need the models topic.
        byte[] configured = AdaptJob.initialModel(parse("--arch", "resnet18", "--width-mult", "0.0625"));
        StartingModel initial = AdaptJob.startingModel(configured, false, AdaptOptions.settings(parse("--bootstrap-servers",
                "127.0.0.1:1")), start, env);
        assertThat(initial.model()).isEqualTo(configured);
        assertThat(initial.note()).startsWith("restoring from file:///sp/savepoint-1");
    }

    @Test
    void aFreshModelTakesTheHeadDesignAndAnUnknownOneIsRefusedByName() throws Exception {
        byte[] light = AdaptJob.initialModel(parse("--arch", "resnet18", "--width-mult", "0.0625", "--heads", "light"));
        assertThat(byot.stream.model.io.ModelFile.spec(light).heads()).isEqualTo(byot.stream.model.spec.HeadDesign.LIGHT);
        byte[] plain = AdaptJob.initialModel(parse("--arch", "resnet18", "--width-mult", "0.0625"));
        assertThat(byot.stream.model.io.ModelFile.spec(plain).heads()).isEqualTo(byot.stream.model.spec.HeadDesign.BOTTLENECK);
        assertThatThrownBy(() -> AdaptJob.initialModel(parse("--heads", "tiny"))).hasMessageContaining("heads")
                .hasMessageContaining("bottleneck, light");
    }

    @Test
    void contradictoryStartFlagsAreUsageErrors() {
        assertThatThrownBy(() -> AdaptOptions.start(parse("--allow-non-restored-state")))
                .isInstanceOf(UsageException.class).hasMessageContaining("needs --from-savepoint");
        assertThatThrownBy(() -> AdaptOptions.start(parse("--fresh", "--from-savepoint", "x")))
                .isInstanceOf(UsageException.class).hasMessageContaining("give one of them");
        assertThat(AdaptOptions.start(parse("--fresh")).continueModelsTopic()).isFalse();
        assertThat(AdaptOptions.start(parse()).continueModelsTopic()).isTrue();
    }

    /** A cluster's flink-conf or FlinkDeployment owns checkpointing unless the job's own options say otherwise. */
    @Test
    void theClustersCheckpointSettingsWinOverTheDefaultsButNotOverTheFlags() throws Exception {
        var cluster = new Configuration();
        cluster.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, java.time.Duration.ofSeconds(30));
        cluster.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, "s3://cluster/checkpoints");

        JobSettings fromCluster = AdaptOptions.settings(parseOver(cluster));
        assertThat(fromCluster.checkpointInterval()).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(fromCluster.checkpointDir()).isEqualTo("s3://cluster/checkpoints");

        JobSettings fromFlags = AdaptOptions.settings(parseOver(cluster, "--checkpoint-interval-ms", "500", "--checkpoint-dir", "s3://mine/cp"));
        assertThat(fromFlags.checkpointInterval()).isEqualTo(java.time.Duration.ofMillis(500));
        assertThat(fromFlags.checkpointDir()).isEqualTo("s3://mine/cp");

        cluster.setString("byot.checkpoint-interval-ms", "700");
        assertThat(AdaptOptions.settings(parseOver(cluster)).checkpointInterval()).as("the job's own key, set by the cluster")
                .isEqualTo(java.time.Duration.ofMillis(700));

        JobSettings local = AdaptOptions.settings(parse());
        assertThat(local.checkpointInterval()).isEqualTo(java.time.Duration.ofSeconds(2));
        assertThat(local.checkpointDir()).endsWith("/out/checkpoints");
    }

    /** A FlinkDeployment's flinkConfiguration can carry the job's settings; a flag on the command line still wins. */
    @Test
    void theClusterConfigurationSetsAnyJobOptionUnderTheByotPrefix() throws Exception {
        var cluster = new Configuration();
        cluster.setString("byot.threshold", "0.7");
        cluster.setString("byot.group-id", "from-cluster");
        cluster.setString("byot.bounded", "true");

        Configuration merged = parseOver(cluster);
        assertThat(AdaptOptions.pipeline(merged, 4).inference().thresholds()).containsExactly(0.7, 0.7, 0.7);
        assertThat(AdaptOptions.settings(merged).groupId()).isEqualTo("from-cluster");
        assertThat(AdaptOptions.settings(merged).bounded()).isTrue();

        assertThat(AdaptOptions.settings(parseOver(cluster, "--group-id", "mine")).groupId()).isEqualTo("mine");
        assertThat(AdaptOptions.settings(parseOver(cluster, "--bounded=false")).bounded()).isFalse();
    }

    /** A value the job cannot use fails where it is read, naming both the flag and the cluster's key. */
    @Test
    void aMalformedClusterValueIsAUsageErrorNamingFlagAndKey() {
        var cluster = new Configuration();
        cluster.setString("byot.batch-size", "many");
        assertThatThrownBy(() -> parseOver(cluster)).isInstanceOf(UsageException.class)
                .hasMessage("option --batch-size (byot.batch-size) expects an integer, got 'many'");
        cluster.setString("byot.batch-size", "0");
        assertThatThrownBy(() -> parseOver(cluster)).isInstanceOf(UsageException.class)
                .hasMessage("option --batch-size (byot.batch-size) must be at least 1, got 0");
    }

    /**
     * A model above what a models record carries would fail its first publication in the sink, and the restored
     * learner would publish it again after every restart: refused before the job starts.
     */
    @Test
    void aModelTooLargeForTheModelsTopicIsRefusedBeforeTheJobStarts() {
        assertThatThrownBy(() -> AdaptJob.initialModel(parse("--arch", "resnet34", "--width-mult", "1")))
                .isInstanceOf(UsageException.class).hasMessageContaining("MiB; a version on the models topic carries at most");
    }

    /** Each exactly-once transaction is committed at the next checkpoint; one the broker aborts first is output lost. */
    @Test
    void anExactlyOnceCheckpointIntervalBeyondTheTransactionTimeoutIsRefused() throws Exception {
        assertThatThrownBy(() -> AdaptOptions.settings(parse("--checkpoint-interval-ms", "1200000")))
                .isInstanceOf(UsageException.class).hasMessageContaining("outlasts the sinks' transaction timeout of 900 s");
        assertThat(AdaptOptions.settings(parse("--checkpoint-interval-ms", "1200000", "--delivery", "at-least-once"))
                .checkpoints().interval()).as("no transactions at least once").hasMinutes(20);
        assertThat(AdaptOptions.settings(parse("--checkpoint-interval-ms", "600000")).checkpoints().interval()).hasMinutes(10);
    }
}
