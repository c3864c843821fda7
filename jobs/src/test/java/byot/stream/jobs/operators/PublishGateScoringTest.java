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
                GateVerdict v = gate.judge(candidate, null, 1, FineTuneOperatorTest.INITIAL, window);
                assertThat(v.servedAccuracy()).isEqualTo(PublishGate.score(s, window, null));
                assertThat(v.candidateAccuracy()).isEqualTo(PublishGate.score(c, window, null));
                assertThat(v.holdoutSize()).isEqualTo(64);
            }
        }
    }

    @Test
    void aPublishedCandidateIsServedAsJudgedAndScoresLikeItsPayload() throws Exception {
        MultiExitModel candidate = MultiExitModel.create(FineTuneOperatorTest.SPEC, 5);
        List<ImageEvent> stream = SyntheticImages.events(160, 10, 1.0, false, 3, "p-", 0);
        List<ImageEvent> first = new ArrayList<>(stream.subList(0, 64));
        List<ImageEvent> next = new ArrayList<>(stream.subList(32, 96));
        try (PublishGate gate = new PublishGate(new AdaptConfig.Gate(2, 64, 1.0));
             PublishGate fresh = new PublishGate(new AdaptConfig.Gate(2, 64, 1.0))) {
            // A margin of 1: every candidate passes, so the first one is published as version 1.
            assertThat(gate.judge(candidate, null, 1, FineTuneOperatorTest.INITIAL, first).published()).isTrue();
            candidate.setVersion(1);
            byte[] payload = ModelFile.toBytes(candidate, false);
            gate.published(1, payload, null);

            MultiExitModel second = MultiExitModel.create(FineTuneOperatorTest.SPEC, 6);
            GateVerdict kept = gate.judge(second, null, 2, payload, next);
            GateVerdict built = fresh.judge(second, null, 2, payload, next);
            assertThat(gate.servedBuilds()).as("the published candidate rebuilt from its payload").isEqualTo(1);
            assertThat(kept.servedVersion()).isEqualTo(1);
            assertThat(kept).isEqualTo(built);
            try (EarlyExitClassifier c = candidate.snapshot()) {
                assertThat(kept.servedAccuracy()).isEqualTo(PublishGate.score(c, next, null));
            }
        }
    }

    @Test
    void aPublicationOtherThanThePassedCandidateIsScoredFromItsPayload() throws Exception {
        MultiExitModel candidate = MultiExitModel.create(FineTuneOperatorTest.SPEC, 5);
        MultiExitModel other = MultiExitModel.create(FineTuneOperatorTest.SPEC, 7);
        other.setVersion(2);
        byte[] otherPayload = ModelFile.toBytes(other, false);
        List<ImageEvent> window = new ArrayList<>(SyntheticImages.events(64, 10, 1.0, false, 3, "o-", 0));
        try (PublishGate gate = new PublishGate(new AdaptConfig.Gate(2, 64, 1.0))) {
            gate.judge(candidate, null, 1, FineTuneOperatorTest.INITIAL, window);
            // Another version goes out (a republication, a restore's announcement): not the judged candidate.
            gate.published(2, otherPayload, null);
            GateVerdict v = gate.judge(candidate, null, 3, otherPayload, window);
            assertThat(gate.servedBuilds()).isEqualTo(2);
            try (EarlyExitClassifier o = other.snapshot()) {
                assertThat(v.servedAccuracy()).isEqualTo(PublishGate.score(o, window, null));
            }
        }
    }

    @Test
    void aCandidatePublishedWithAnotherAlignmentThanItWasJudgedWithIsNotTakenAsJudged() throws Exception {
        MultiExitModel candidate = MultiExitModel.create(FineTuneOperatorTest.SPEC, 5);
        List<ImageEvent> window = new ArrayList<>(SyntheticImages.events(64, 10, 1.0, false, 3, "a-", 0));
        var reference = new byot.stream.model.input.InputAlignment.Domain(70, 38, 85, 22, 0, 250, 1, 0);
        var inverted = new byot.stream.model.input.InputAlignment(List.of(reference,
                byot.stream.model.input.InputAlignment.Domain.mappingOnto(reference, -1, 255)));
        try (PublishGate gate = new PublishGate(new AdaptConfig.Gate(2, 64, 1.0))) {
            assertThat(gate.judge(candidate, null, 1, FineTuneOperatorTest.INITIAL, window).published()).isTrue();
            assertThat(gate.passedScores(1, null)).isPresent();
            // The aligner adopted a map meanwhile: the held-out outputs were not computed through it.
            assertThat(gate.passedScores(1, inverted)).isEmpty();
            candidate.setVersion(1);
            gate.published(1, ModelFile.toBytes(candidate, false, null, inverted), inverted);
            assertThat(gate.passedScores(1, null)).as("dropped, not adopted").isEmpty();
            gate.judge(candidate, null, 2, ModelFile.toBytes(candidate, false, null, inverted), window);
            assertThat(gate.servedBuilds()).as("the published version rebuilt from its payload").isEqualTo(2);
        }
    }

    /** 100 held-out events, 4 exits: the served version right at {@code served} exits on each. */
    private static int[] constant(int n, int value) {
        int[] out = new int[n];
        java.util.Arrays.fill(out, value);
        return out;
    }

    @Test
    void aDropWithinTheNoiseOfTheHoldoutIsNoRegression() {
        // Equally good versions that disagree on many events: the candidate loses 3 exits on 12 events and gains 3 on
        // 8, a mean drop of 3 pp (above the 2 pp margin) that 100 events cannot tell from chance.
        int[] served = constant(100, 2);
        int[] candidate = constant(100, 2);
        for (int i = 0; i < 12; i++) {
            served[i] = 4;
            candidate[i] = 1;
        }
        for (int i = 12; i < 20; i++) {
            served[i] = 1;
            candidate[i] = 4;
        }
        assertThat(PublishGate.regressed(served, candidate, 4, 0.02)).isFalse();
    }

    @Test
    void aConsistentDropBeyondTheMarginIsARegression() {
        // A burst of wrong labels: the candidate loses an exit on a third of the events and gains on none.
        int[] served = constant(100, 3);
        int[] candidate = constant(100, 3);
        for (int i = 0; i < 33; i++) {
            candidate[i] = 2;
        }
        assertThat(PublishGate.regressed(served, candidate, 4, 0.02)).isTrue();
        assertThat(PublishGate.regressed(served, constant(100, 2), 4, 0.02)).as("every event one exit worse").isTrue();
    }

    @Test
    void aSignificantDropWithinTheMarginIsNoRegression() {
        int[] served = constant(100, 3);
        int[] candidate = constant(100, 3);
        for (int i = 0; i < 6; i++) {
            candidate[i] = 2;   // 1.5 pp, consistent, but within the 2 pp margin
        }
        assertThat(PublishGate.regressed(served, candidate, 4, 0.02)).isFalse();
        assertThat(PublishGate.regressed(served, served.clone(), 4, 0.0)).as("equal is never worse").isFalse();
    }
}
