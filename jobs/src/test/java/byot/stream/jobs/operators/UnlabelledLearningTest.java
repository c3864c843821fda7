package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.jobs.FineTuning;
import byot.stream.jobs.SyntheticImages;
import byot.stream.model.graph.Parameters;
import byot.stream.model.io.ModelFile;
import byot.stream.model.loss.UnlabelledDistillation;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The learner self-distils from the unlabelled events it is given, and only when the feature is on. */
class UnlabelledLearningTest {

    private final List<ImageEvent> labelled = SyntheticImages.events(8, 10, 1.0, false, 3, "l-", 1_000L);
    /** Inverted images: the kind of new domain where labels are scarce and unlabelled events are many. */
    private final List<ImageEvent> unlabelled = SyntheticImages.events(8, 10, 0.0, true, 4, "u-", 900L);

    @Test
    void unlabelledEventsTeachTheShallowExits() throws Exception {
        AdaptConfig on = config(new AdaptConfig.Unlabelled(1.0, new UnlabelledDistillation(1.0, 0)));
        INDArray withThem = exit1(train(on, true));
        INDArray without = exit1(train(on, false));
        assertThat(withThem.sub(without).norm2Number().doubleValue())
                .as("the unlabelled events made no difference to exit 1").isGreaterThan(1e-4);
    }

    @Test
    void withTheFeatureOffUnlabelledEventsChangeNothing() throws Exception {
        AdaptConfig off = config(AdaptConfig.Unlabelled.OFF);
        assertThat(exit1(train(off, true))).isEqualTo(exit1(train(off, false)));
    }

    @Test
    void aShareWithoutWeightIsRefused() {
        assertThatThrownBy(() -> new AdaptConfig.Unlabelled(0.2, UnlabelledDistillation.OFF))
                .hasMessageContaining("unlabelled-weight");
    }

    @Test
    void samplesAStableShareOfTheUnlabelledAndEveryLabelledEvent() {
        List<ImageEvent> events = SyntheticImages.events(4000, 10, 0.3, false, 5, "id-", 0L);
        LearnerSample sample = new LearnerSample(0.25);
        long unlabelledKept = events.stream().filter(e -> !e.labeled()).filter(sample::filter).count();
        long unlabelledAll = events.stream().filter(e -> !e.labeled()).count();
        assertThat((double) unlabelledKept / unlabelledAll).isBetween(0.22, 0.28);
        assertThat(events.stream().filter(ImageEvent::labeled)).allMatch(sample::filter);
        assertThat(events.stream().filter(e -> !e.labeled())).noneMatch(new LearnerSample(0)::filter);
        // The same ids, the same choice, on any TaskManager and after any restart: a replay after a failure trains on
        // the same events. Pinned to values computed outside Java (64-bit FNV-1a of the UTF-8 id, then murmur3's
        // finaliser, top 53 bits), so no per-JVM seed or platform default can creep in.
        assertThat(LearnerSample.position("id-0")).isEqualTo(0.08714228138821523);
        assertThat(LearnerSample.position("id-1")).isEqualTo(0.8480103216315458);
        assertThat(LearnerSample.position("camera-7-123456")).isEqualTo(0.5667330799076935);
    }

    private static AdaptConfig config(AdaptConfig.Unlabelled unlabelled) {
        AdaptConfig base = FineTuning.byot(0, 1, 3600, 7);
        return new AdaptConfig(base.distillation(), base.sgd(), base.batching(), base.publishing(), base.seed(),
                unlabelled, AdaptConfig.Gate.OFF);
    }

    /** One step on the labelled events, with the unlabelled ones offered first (so they wait for that step) or not at all. */
    private ModelUpdate train(AdaptConfig config, boolean withUnlabelled) throws Exception {
        List<ImageEvent> stream = new ArrayList<>();
        if (withUnlabelled) {
            stream.addAll(unlabelled);
        }
        stream.addAll(labelled);
        try (var harness = new OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate>(
                new FineTuneOperator(config, FineTuneOperatorTest.INITIAL))) {
            harness.open();
            for (ImageEvent e : stream) {
                harness.processElement(e, e.eventTimeMillis());
            }
            List<ModelUpdate> updates = harness.extractOutputValues();
            assertThat(updates).hasSize(1);
            return updates.get(0);
        }
    }

    private static INDArray exit1(ModelUpdate update) throws Exception {
        return ModelFile.fromBytes(update.payload()).parameters().view(Parameters.Kind.WEIGHT).get("exit1/fc/w").dup();
    }
}
