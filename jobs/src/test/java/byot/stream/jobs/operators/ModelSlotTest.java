package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.ModelUpdate;
import byot.stream.model.MultiExitModel;
import byot.stream.model.graph.LayerWeights;
import byot.stream.model.graph.Parameters;
import byot.stream.model.input.InputAlignment;
import byot.stream.model.io.ModelFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Updates from an unsigned models topic may be anything a writer makes them, checksum included: each malformed one
 * must be a refusal. An exception instead failed the inference task, and the same record came back after every
 * restart.
 */
class ModelSlotTest {

    private static final int MAX_BYTES = 8 << 20;

    private static ModelSlot slot() {
        return new ModelSlot(MultiExitModel.create(EarlyExitOperatorTest.SPEC, 0), ModelFile.toBytes(MultiExitModel.create(
                EarlyExitOperatorTest.SPEC, 0), false), MAX_BYTES);
    }

    private static byte[] payload(long version, InputAlignment alignment) {
        MultiExitModel m = MultiExitModel.create(EarlyExitOperatorTest.SPEC, version);
        m.setVersion(version);
        return ModelFile.toBytes(m, false, null, alignment);
    }

    @Test
    void aHeaderClaimingAHugeNetworkIsRefusedBeforeAnyNetworkIsBuilt() {
        byte[] hostile = withHeader(payload(1, null), h -> h.replace("\"numClasses\":10", "\"numClasses\":2000000000"));
        ModelSlot.Prepared prepared = slot().prepare(new ModelUpdate(1, 0, "x", hostile));
        assertThat(prepared).isInstanceOfSatisfying(ModelSlot.Refused.class,
                r -> assertThat(r.reason()).contains("does not match served"));
    }

    @Test
    void anInvalidInputAlignmentIsRefusedAndTheVersionStaysOpen() {
        InputAlignment alignment = new InputAlignment(List.of(new InputAlignment.Domain(70, 38, 85, 22, 0, 250, 1, 0)));
        // The reference domain must map pixels to themselves; a writer elsewhere might not know that.
        byte[] hostile = withHeader(payload(1, alignment), h -> h.replace("\"offset\":0.0", "\"offset\":5.0"));
        ModelSlot slot = slot();

        assertThat(slot.prepare(new ModelUpdate(1, 0, "x", hostile))).isInstanceOf(ModelSlot.Refused.class);
        assertThat(slot.prepare(new ModelUpdate(1, 0, "x", payload(1, alignment))))
                .as("the refused version may still come, well formed").isInstanceOf(ModelSlot.Ready.class);
    }

    @Test
    void anUpdateWithANegativeRunningVarianceIsRefusedNotServed() {
        // Finite, so the finiteness check alone passed it, and served it answered NaN for every event.
        MultiExitModel hostile = MultiExitModel.create(EarlyExitOperatorTest.SPEC, 1);
        hostile.setVersion(1);
        hostile.parameters().view(Parameters.Kind.RUNNING_STAT).entrySet().stream()
                .filter(e -> LayerWeights.isRunningVariance(e.getKey())).findFirst().orElseThrow()
                .getValue().putScalar(0, -0.5f);
        ModelSlot slot = slot();

        assertThat(slot.prepare(new ModelUpdate(1, 0, "x", ModelFile.toBytes(hostile, false))))
                .isInstanceOfSatisfying(ModelSlot.Refused.class, r -> assertThat(r.reason()).contains("negative"));
        assertThat(slot.prepare(new ModelUpdate(1, 0, "x", payload(1, null)))).isInstanceOf(ModelSlot.Ready.class);
    }

    /** The model file with its JSON header edited (any length) and its SHA-256 computed again. */
    private static byte[] withHeader(byte[] file, java.util.function.UnaryOperator<String> edit) {
        int prefix = 8 + 2 + 4;
        int length = ByteBuffer.wrap(file).getInt(prefix - 4);
        String header = new String(file, prefix, length, StandardCharsets.UTF_8);
        String edited = edit.apply(header);
        assertThat(edited).as("the edit applies").isNotEqualTo(header);
        byte[] json = edited.getBytes(StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(file, prefix + length, file.length - 32);
        ByteBuffer out = ByteBuffer.allocate(prefix + json.length + data.length + 32);
        out.put(file, 0, prefix - 4).putInt(json.length).put(json).put(data);
        try {
            byte[] body = Arrays.copyOf(out.array(), out.capacity() - 32);
            out.put(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return out.array();
    }
}
