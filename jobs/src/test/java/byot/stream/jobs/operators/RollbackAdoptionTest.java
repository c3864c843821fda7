package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.jobs.SyntheticImages;
import byot.stream.model.MultiExitModel;
import byot.stream.model.io.ModelFile;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** A job resumed from a savepoint after a rollback: the learner takes the newer starting model, not the savepoint's. */
class RollbackAdoptionTest {

    private final List<ImageEvent> events = SyntheticImages.events(40, 10, 1.0, false, 3, "e-", 1_000L);

    @Test
    void aNewerStartingModelReplacesTheCheckpointedOneAndIsAnnounced() throws Exception {
        OperatorSubtaskState snapshot = trainedSnapshot();   // model version 2
        MultiExitModel rolledBack = ModelFile.fromBytes(FineTuneOperatorTest.INITIAL);
        rolledBack.setVersion(5);   // version 0's weights, republished by byot rollback as version 5
        byte[] offered = ModelFile.toBytes(rolledBack, false);
        try (var restored = harness(offered)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(events.get(20), events.get(20).eventTimeMillis());
            List<ModelUpdate> out = restored.extractOutputValues();
            assertThat(out).extracting(ModelUpdate::modelVersion).containsExactly(5L);
            assertThat(weights(out.get(0))).isEqualTo(ModelFile.weightsChecksum(ModelFile.fromBytes(FineTuneOperatorTest.INITIAL)));
            for (ImageEvent e : events.subList(21, 28)) {
                restored.processElement(e, e.eventTimeMillis());
            }
            assertThat(restored.extractOutputValues()).extracting(ModelUpdate::modelVersion).containsExactly(5L, 6L);
        }
    }

    @Test
    void anOlderStartingModelLeavesTheCheckpointAlone() throws Exception {
        OperatorSubtaskState snapshot = trainedSnapshot();
        try (var restored = harness(FineTuneOperatorTest.INITIAL)) {   // version 0: what a plain restore is handed
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(events.get(20), events.get(20).eventTimeMillis());
            List<ModelUpdate> out = restored.extractOutputValues();
            assertThat(out).extracting(ModelUpdate::modelVersion).containsExactly(2L);
            assertThat(weights(out.get(0))).isNotEqualTo(ModelFile.weightsChecksum(ModelFile.fromBytes(FineTuneOperatorTest.INITIAL)));
        }
    }

    private OperatorSubtaskState trainedSnapshot() throws Exception {
        try (var original = harness(FineTuneOperatorTest.INITIAL)) {
            original.open();
            for (ImageEvent e : events.subList(0, 16)) {
                original.processElement(e, e.eventTimeMillis());
            }
            assertThat(original.extractOutputValues()).extracting(ModelUpdate::modelVersion).containsExactly(1L, 2L);
            return original.snapshot(1, 20_000);
        }
    }

    private static OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate> harness(byte[] initial) throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new FineTuneOperator(FineTuneOperatorTest.CONFIG, initial));
    }

    private static String weights(ModelUpdate update) throws Exception {
        return ModelFile.weightsChecksum(ModelFile.fromBytes(update.payload()));
    }
}
