package byot.stream.jobs.operators;

import byot.stream.connectors.format.ModelUpdate;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.io.ModelFile;
import byot.stream.model.io.ModelFormatException;
import byot.stream.model.io.RequiredTensors;
import byot.stream.model.spec.ModelSpec;
import java.util.Optional;

/**
 * The model an inference instance serves, and the rules for replacing it: an update must decode, have the
 * served model's architecture and input, carry a higher version, and hold only finite values. The served model itself (same version,
 * same weights) is accepted and changes nothing. Anything else is refused with a reason, and the current model keeps serving.
 */
final class ModelSlot {

    private final ModelSpec expected;
    private final int maxPayloadBytes;
    /** Every update has the served model's spec: its tensor index is worked out once, not at every swap. */
    private final RequiredTensors requiredTensors = new RequiredTensors();
    private EarlyExitClassifier classifier;
    private byte[] payload;

    /**
     * Takes ownership of {@code model}, decoded from {@code payload}: its snapshot is kept, its tensors freed.
     *
     * @param payload         the bytes {@code model} was decoded from, kept for checkpoints
     * @param maxPayloadBytes updates bigger than this are refused before they are decoded
     */
    ModelSlot(MultiExitModel model, byte[] payload, int maxPayloadBytes) {
        this.expected = model.spec();
        this.maxPayloadBytes = maxPayloadBytes;
        this.classifier = model.snapshot();
        this.payload = payload;
        model.release();
    }

    EarlyExitClassifier classifier() {
        return classifier;
    }

    long version() {
        return classifier.version();
    }

    byte[] payload() {
        return payload;
    }

    /** Installs {@code update}, or explains why not. */
    Optional<String> offer(ModelUpdate update) {
        if (update.payload().length > maxPayloadBytes) {
            return Optional.of("payload of " + update.payload().length + " bytes exceeds the cap of " + maxPayloadBytes);
        }
        if (update.modelVersion() == classifier.version() && sameWeights(update.payload())) {
            return Optional.empty();   // the learner re-announcing what it resumed with after a restore
        }
        if (update.modelVersion() <= classifier.version()) {
            return Optional.of("version " + update.modelVersion() + " is not newer than " + classifier.version());
        }
        MultiExitModel model;
        try {
            model = ModelFile.fromBytes(update.payload(), requiredTensors);
        } catch (ModelFormatException e) {
            return Optional.of("corrupt model payload: " + e.getMessage());
        }
        try {
            if (!model.spec().equals(expected)) {
                return Optional.of("model " + model.spec().summary() + " does not match served " + expected.summary());
            }
            if (model.version() != update.modelVersion()) {
                return Optional.of("header version " + update.modelVersion() + " differs from payload version " + model.version());
            }
            Optional<String> nonFinite = model.parameters().firstNonFinite();
            if (nonFinite.isPresent()) {
                return Optional.of("tensor " + nonFinite.get() + " holds NaN or infinite values");
            }
            EarlyExitClassifier replaced = classifier;
            classifier = model.snapshot();
            payload = update.payload();
            // Native memory of the old snapshot is freed now, not when a collection of the old generation gets to it.
            replaced.close();
            return Optional.empty();
        } finally {
            model.release();
        }
    }

    /** Payloads carry their creation time, so equal weights are compared by their digest, not by bytes. */
    private boolean sameWeights(byte[] other) {
        try {
            return digest(other).equals(digest(payload));
        } catch (ModelFormatException e) {
            return false;
        }
    }

    private String digest(byte[] bytes) throws ModelFormatException {
        MultiExitModel model = ModelFile.fromBytes(bytes, requiredTensors);
        try {
            return ModelFile.weightsChecksum(model);
        } finally {
            model.release();
        }
    }
}
