package byot.stream.jobs.adapt;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.MalformedRecordException;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.kafka.LatestModelReader.Result;
import byot.stream.model.MultiExitModel;
import byot.stream.model.io.ModelFile;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import org.junit.jupiter.api.Test;

/** A fresh start continues the version line of the models topic, whatever the topic's tail holds. */
class StartingModelTest {
    private static final ModelSpec SMALL = AdaptPipelineITCase.SMALL;

    private static byte[] model(ModelSpec spec, long seed, long version) {
        MultiExitModel m = MultiExitModel.create(spec, seed);
        m.setVersion(version);
        return ModelFile.toBytes(m, false);
    }

    private static Result.Found published(byte[] model, long version) {
        return new Result.Found(new ModelUpdate(version, 1L, "x", model), "models-0@41");
    }

    private static MultiExitModel load(StartingModel s) throws Exception {
        return ModelFile.fromBytes(s.model());
    }

    @Test
    void resumesTheNewestPublishedModelItsWeightsAndItsVersion() throws Exception {
        byte[] learned = model(SMALL, 9, 17);

        StartingModel start = StartingModel.continueLine(model(SMALL, 3, 0), false, published(learned, 17), true);

        assertThat(load(start).version()).isEqualTo(17);
        assertThat(ModelFile.weightsChecksum(load(start))).isEqualTo(ModelFile.weightsChecksum(ModelFile.fromBytes(learned)));
        assertThat(start.note()).contains("continuing from model version 17 on models-0@41");
    }

    @Test
    void anInitialModelTheUserChoseKeepsItsWeightsButContinuesTheVersionNumber() throws Exception {
        byte[] chosen = model(SMALL, 3, 2);

        StartingModel start = StartingModel.continueLine(chosen, true, published(model(SMALL, 9, 17), 17), true);

        assertThat(load(start).version()).isEqualTo(17);
        assertThat(ModelFile.weightsChecksum(load(start))).isEqualTo(ModelFile.weightsChecksum(ModelFile.fromBytes(chosen)));
        assertThat(start.note()).contains("--initial-model").contains("version 17");
    }

    @Test
    void anInitialModelAheadOfTheTopicKeepsItsOwnVersion() throws Exception {
        StartingModel start = StartingModel.continueLine(model(SMALL, 3, 40), true, published(model(SMALL, 9, 17), 17), true);
        assertThat(load(start).version()).isEqualTo(40);
    }

    @Test
    void anotherNetworkOnTheTopicContinuesOnlyTheVersionNumber() throws Exception {
        byte[] own = model(SMALL, 3, 0);
        byte[] other = model(ModelSpec.fashionMnist(Architecture.RESNET18, 0.125), 9, 23);

        StartingModel start = StartingModel.continueLine(own, false, published(other, 23), true);

        assertThat(load(start).spec()).isEqualTo(SMALL);
        assertThat(load(start).version()).isEqualTo(23);
        assertThat(start.note()).contains("another network");
    }

    @Test
    void anEmptyTopicOrAnUndecodableTailStartsFromTheConfiguredModel() throws Exception {
        byte[] own = model(SMALL, 3, 0);

        StartingModel empty = StartingModel.continueLine(own, false, new Result.Empty("models"), true);
        StartingModel bad = StartingModel.continueLine(own, false, new Result.Undecodable("models-0@9",
                new MalformedRecordException(MalformedRecordException.Reason.BAD_CHECKSUM, "payload SHA-256 is ...")), true);

        assertThat(empty.model()).isEqualTo(own);
        assertThat(empty.note()).startsWith("no model on models yet");
        assertThat(bad.model()).isEqualTo(own);
        assertThat(bad.note()).startsWith("WARNING").contains("models-0@9").contains("BAD_CHECKSUM");
    }

    @Test
    void recordsSteppedOverOnTheTopicAreNamedInAWarningAndTheLineContinues() throws Exception {
        byte[] own = model(SMALL, 3, 0);
        byte[] topics = model(SMALL, 4, 17);
        Result.Found found = new Result.Found(new ModelUpdate(17, 1L, "x", topics), "models-0@40", 2,
                new Result.Undecodable("models-0@42", new MalformedRecordException(MalformedRecordException.Reason.BAD_SIGNATURE,
                        "HMAC-SHA-256 does not verify")));

        StartingModel start = StartingModel.continueLine(own, false, found, true);

        assertThat(load(start).version()).isEqualTo(17);
        assertThat(start.model()).isNotEqualTo(own);
        assertThat(start.note()).startsWith("WARNING: stepped over 2 newer record(s)").contains("models-0@42")
                .contains("BAD_SIGNATURE").contains("continuing from model version 17 on models-0@40");
    }

    @Test
    void aRecordWhosePayloadIsNoModelFileStillContinuesTheVersionNumber() throws Exception {
        StartingModel start = StartingModel.continueLine(model(SMALL, 3, 0), false, published(new byte[] {1, 2, 3}, 12), true);
        assertThat(load(start).version()).isEqualTo(12);
        assertThat(load(start).spec()).isEqualTo(SMALL);
    }

    /** Without a model key anyone who can write the topic could choose the weights served after a restart. */
    @Test
    void anUnsignedTopicContinuesOnlyTheVersionNumber() throws Exception {
        byte[] own = model(SMALL, 3, 0);
        StartingModel start = StartingModel.continueLine(own, false, published(model(SMALL, 9, 17), 17), false);
        assertThat(load(start).version()).isEqualTo(17);
        assertThat(ModelFile.weightsChecksum(load(start))).isEqualTo(ModelFile.weightsChecksum(ModelFile.fromBytes(own)));
        assertThat(start.note()).contains("not signed");
    }

    @Test
    void nonFiniteWeightsOnTheTopicAreNotTaken() throws Exception {
        MultiExitModel broken = ModelFile.fromBytes(model(SMALL, 9, 17));
        broken.parameters().view(byot.stream.model.graph.Parameters.Kind.WEIGHT).values().iterator().next().putScalar(0, Float.NaN);
        byte[] own = model(SMALL, 3, 0);
        StartingModel start = StartingModel.continueLine(own, false, published(ModelFile.toBytes(broken, false), 17), true);
        assertThat(load(start).parameters().firstNonFinite()).isEmpty();
        assertThat(load(start).version()).isEqualTo(17);
        assertThat(start.note()).contains("NaN");
    }
}
