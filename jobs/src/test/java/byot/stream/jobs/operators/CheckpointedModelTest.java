package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CheckpointedModelTest {

    private static final String SHA = "0123456789abcdef".repeat(4);

    @Test
    void logLinesParseBackFromALog4jLine() {
        CheckpointedModel m = new CheckpointedModel(42, 7, SHA);
        String prefix = "2025-01-01 12:00:00,000 INFO  org.apache.flink.streaming.api.operators.AbstractStreamOperator  - ";
        assertThat(m.snapshotLine()).isEqualTo("snapshot for checkpoint 42: model version 7 weights " + SHA);
        assertThat(m.completedLine()).isEqualTo("checkpoint 42 holds model version 7 weights " + SHA);
        assertThat(m.restoredLine()).isEqualTo("restored checkpoint 42: model version 7 weights " + SHA);
        assertThat(CheckpointedModel.parseSnapshot(prefix + m.snapshotLine())).contains(m);
        assertThat(CheckpointedModel.parseCompleted(prefix + m.completedLine())).contains(m);
        assertThat(CheckpointedModel.parseRestored(prefix + m.restoredLine())).contains(m);
    }

    @Test
    void aLineOfOneKindIsNotTheOther() {
        CheckpointedModel m = new CheckpointedModel(3, 1, SHA);
        assertThat(CheckpointedModel.parseCompleted(m.restoredLine())).isEmpty();
        assertThat(CheckpointedModel.parseRestored(m.completedLine())).isEmpty();
        for (String other : new String[] {m.completedLine(), m.restoredLine()}) {
            assertThat(CheckpointedModel.parseSnapshot(other)).isEmpty();
        }
        assertThat(CheckpointedModel.parseCompleted(m.snapshotLine())).isEmpty();
        assertThat(CheckpointedModel.parseRestored(m.snapshotLine())).isEmpty();
        assertThat(CheckpointedModel.parseCompleted("checkpoint 3 holds model version 1 weights abc")).isEmpty();
    }
}
