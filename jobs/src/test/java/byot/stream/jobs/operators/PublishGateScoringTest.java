package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.jobs.SyntheticImages;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.io.ModelFile;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gate's scores equal a plain scoring of both versions on the window, however the window has moved. */
class PublishGateScoringTest {

    @Test
    void servedScoresKeptBetweenJudgementsMatchAFreshScoring() throws Exception {
        MultiExitModel served = ModelFile.fromBytes(FineTuneOperatorTest.INITIAL);
        MultiExitModel candidate = MultiExitModel.create(FineTuneOperatorTest.SPEC, 5);
        List<ImageEvent> stream = SyntheticImages.events(160, 10, 1.0, false, 3, "h-", 0);
        try (PublishGate gate = new PublishGate(new AdaptConfig.Gate(2, 64, 0.02));
             EarlyExitClassifier s = served.snapshot(); EarlyExitClassifier c = candidate.snapshot()) {
            for (int end = 64; end <= 160; end += 48) {   // the window slides: some events stay, some leave, some come
                List<ImageEvent> window = new ArrayList<>(stream.subList(end - 64, end));
                GateVerdict v = gate.judge(candidate, 1, FineTuneOperatorTest.INITIAL, window);
                assertThat(v.servedAccuracy()).isEqualTo(PublishGate.score(s, window));
                assertThat(v.candidateAccuracy()).isEqualTo(PublishGate.score(c, window));
                assertThat(v.holdoutSize()).isEqualTo(64);
            }
        }
    }
}
