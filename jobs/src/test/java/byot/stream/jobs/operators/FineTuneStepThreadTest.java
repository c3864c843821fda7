package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.jobs.SyntheticImages;
import byot.stream.model.io.ModelFile;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Steps on the learner's own thread ({@link LearnerBudget#ownThread()}): the task thread hands a step's passes to it
 * and applies the result when it comes back as mail, so a checkpoint taken in between must hold the weights from
 * before the step and the step's events as still waiting, and a restore from it must come to the same model.
 */
class FineTuneStepThreadTest {

    private static final LearnerBudget OWN_THREAD = new LearnerBudget(0, 1.0, 0, true);
    /** Linux shows a Java thread's name, cut to 15 characters, as its native thread's {@code comm}. */
    private static final String STEP_THREAD = FineTuneOperator.STEP_THREAD_NAME.substring(0, 15);

    private final List<ImageEvent> events = SyntheticImages.events(16, 10, 1.0, false, 3, "e-", 1_000L);

    @Test
    void aCheckpointTakenWhileAStepComputesHoldsTheModelBeforeItAndARestoreRedoesTheStep() throws Exception {
        OperatorSubtaskState midStep;
        List<ModelUpdate> original;
        try (var harness = FineTuneOperatorTest.harness(OWN_THREAD)) {
            harness.open();
            FineTuneOperatorTest.feed(harness, events.subList(0, 8));   // eight labelled events: a step starts on the learner's thread
            // Its result is applied only from the task's mailbox, which nothing has run yet: the step is in flight.
            assertThat(harness.extractOutputValues()).as("nothing published before the step is applied").isEmpty();
            assertThat(harness.getSideOutput(FineTuneOperator.SCORES)).as("no scores before it").isNull();
            midStep = harness.snapshot(1, 2_000);
            harness.endInput();   // waits for the step, applies it, publishes
            original = harness.extractOutputValues();
            assertThat(original).extracting(ModelUpdate::modelVersion).containsExactly(1L);
            assertThat(harness.getSideOutput(FineTuneOperator.SCORES)).hasSize(8);
        }

        List<ModelUpdate> onTaskThread;
        try (var harness = FineTuneOperatorTest.harness(LearnerBudget.UNBOUNDED)) {
            harness.open();
            FineTuneOperatorTest.feed(harness, events.subList(0, 8));
            onTaskThread = harness.extractOutputValues();
        }
        assertThat(weights(original.get(0))).as("the same step as on the task thread").isEqualTo(weights(onTaskThread.get(0)));

        try (var restored = FineTuneOperatorTest.harness(LearnerBudget.UNBOUNDED)) {
            restored.initializeState(midStep);
            restored.open();
            restored.endInput();
            List<ModelUpdate> resumed = restored.extractOutputValues();
            // Announced as restored (version 0: the checkpoint holds no step), then the waiting events' step again.
            assertThat(resumed).extracting(ModelUpdate::modelVersion).containsExactly(0L, 1L);
            assertThat(weights(resumed.get(0))).isEqualTo(weights(new ModelUpdate(0, 0, "", FineTuneOperatorTest.INITIAL)));
            assertThat(weights(resumed.get(1))).as("the step redone from the checkpoint").isEqualTo(weights(original.get(0)));
            assertThat(restored.getSideOutput(FineTuneOperator.SCORES)).extracting(r -> r.getValue().id())
                    .containsExactlyElementsOf(events.subList(0, 8).stream().map(ImageEvent::id).toList());
        }
    }

    @Test
    void stepsKeepComingWhileEventsArriveDuringThem() throws Exception {
        try (var harness = FineTuneOperatorTest.harness(OWN_THREAD)) {
            harness.open();
            FineTuneOperatorTest.feed(harness, events);   // the second eight arrive while the first step is in flight, and wait
            harness.endInput();
            assertThat(harness.extractOutputValues()).extracting(ModelUpdate::modelVersion).containsExactly(1L, 2L);
            assertThat(harness.getSideOutput(FineTuneOperator.SCORES)).hasSize(16);
        }
    }

    /**
     * With steps on their own thread only that thread is niced: the task thread keeps reading the learner's input (a
     * niced task thread stopped reading on a busy machine, and the source it shares with inference stalled behind it).
     */
    @Test
    void withStepsOnTheirOwnThreadOnlyTheStepThreadIsNiced() throws Exception {
        Assumptions.assumeTrue(ThreadNice.ofCallingThread().isPresent(), "not Linux");
        Assumptions.assumeTrue(ThreadNice.ofCallingThread().getAsInt() < 19, "the tests already run at nice 19");
        AtomicInteger taskThreadNice = new AtomicInteger(-100);
        AtomicReference<List<Integer>> stepThreadNice = new AtomicReference<>(List.of());
        // A thread of its own plays the task thread, so a failure cannot leave the test runner's thread niced.
        Thread task = new Thread(() -> {
            try (var harness = FineTuneOperatorTest.harness(new LearnerBudget(1, 1.0, 19, true))) {
                int before = ThreadNice.ofCallingThread().getAsInt();
                harness.open();
                FineTuneOperatorTest.feed(harness, events.subList(0, 8));
                harness.endInput();
                taskThreadNice.set(ThreadNice.ofCallingThread().getAsInt() - before);
                stepThreadNice.set(niceOfThreadsNamed(STEP_THREAD));   // alive until the harness closes
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        task.start();
        task.join();
        assertThat(taskThreadNice.get()).as("the task thread's nice value changed by").isZero();
        assertThat(stepThreadNice.get()).as("nice values of the step threads").contains(19);
    }

    /** The nice value (field 19 of {@code /proc/self/task/<tid>/stat}) of this process's threads with that name. */
    private static List<Integer> niceOfThreadsNamed(String comm) throws IOException {
        List<Integer> nice = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                try {
                    if (Files.readString(t.resolve("comm")).strip().equals(comm)) {
                        String stat = Files.readString(t.resolve("stat"));
                        // After the command in parentheses: state is field 3, nice field 19.
                        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        nice.add(Integer.parseInt(fields[19 - 3]));
                    }
                } catch (NoSuchFileException e) {
                    // the thread ended while we looked
                }
            }
        }
        return nice;
    }

    private static String weights(ModelUpdate update) throws Exception {
        return ModelFile.weightsChecksum(ModelFile.fromBytes(update.payload()));
    }
}
