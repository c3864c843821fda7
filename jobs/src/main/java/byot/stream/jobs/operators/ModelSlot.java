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
 * served model's architecture and input, carry a higher version, and hold only finite values. The served model itself
 * (same version, same weights) is accepted and changes nothing. Anything else is refused with a reason, and the
 * current model keeps serving.
 *
 * <p>Replacing is two steps so that the expensive one can run off the inference thread ({@link ModelLoader}):
 * {@link #prepare} decodes, checks and builds the new classifier (70-380 ms for ResNet18 ×0.25 on this project's
 * 2-core machine, during which a synchronous swap held up every event in flight); {@link #install} swaps it in,
 * on the inference thread, in no time. {@code prepare} may run on another thread than {@code install}.
 */
final class ModelSlot {

    /**
     * An update checked and decoded, ready to install; or why it may not be.
     *
     * @param classifier null when there is nothing to install (refused, or the served model re-announced)
     */
    record Prepared(ModelUpdate update, EarlyExitClassifier classifier, Optional<String> refusal) {
        static Prepared refused(ModelUpdate update, String reason) {
            return new Prepared(update, null, Optional.of(reason));
        }

        /** Frees the classifier of a preparation that will not be installed. */
        void discard() {
            if (classifier != null) {
                classifier.close();
            }
        }
    }

    private final ModelSpec expected;
    private final int maxPayloadBytes;
    /** Every update has the served model's spec: its tensor index is worked out once, not at every swap. */
    private final RequiredTensors requiredTensors = new RequiredTensors();
    /** Written by {@link #install} on the inference thread, read by {@link #prepare} on the loader's. */
    private volatile EarlyExitClassifier classifier;
    private volatile byte[] payload;

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

    /**
     * Checks and decodes {@code update} against the model served now. Updates still being prepared are not known
     * here, so {@link #install} checks the version once more.
     */
    Prepared prepare(ModelUpdate update) {
        if (update.payload().length > maxPayloadBytes) {
            return Prepared.refused(update, "payload of " + update.payload().length + " bytes exceeds the cap of " + maxPayloadBytes);
        }
        long served = version();
        if (update.modelVersion() == served && sameWeights(update.payload())) {
            // the learner re-announcing what it resumed with after a restore
            return new Prepared(update, null, Optional.empty());
        }
        if (update.modelVersion() <= served) {
            return Prepared.refused(update, "version " + update.modelVersion() + " is not newer than " + served);
        }
        MultiExitModel model;
        try {
            model = ModelFile.fromBytes(update.payload(), requiredTensors);
        } catch (ModelFormatException e) {
            return Prepared.refused(update, "corrupt model payload: " + e.getMessage());
        }
        try {
            if (!model.spec().equals(expected)) {
                return Prepared.refused(update, "model " + model.spec().summary() + " does not match served " + expected.summary());
            }
            if (model.version() != update.modelVersion()) {
                return Prepared.refused(update, "header version " + update.modelVersion() + " differs from payload version "
                        + model.version());
            }
            Optional<String> nonFinite = model.parameters().firstNonFinite();
            if (nonFinite.isPresent()) {
                return Prepared.refused(update, "tensor " + nonFinite.get() + " holds NaN or infinite values");
            }
            return new Prepared(update, model.snapshot(), Optional.empty());
        } finally {
            model.release();
        }
    }

    /**
     * Serves {@code prepared}'s model, or explains why not (its own refusal, or a newer version installed since it was
     * prepared). Either way the slot owns what it was given.
     */
    Optional<String> install(Prepared prepared) {
        if (prepared.refusal().isPresent() || prepared.classifier() == null) {
            return prepared.refusal();
        }
        if (prepared.update().modelVersion() <= version()) {
            prepared.discard();
            return Optional.of("version " + prepared.update().modelVersion() + " is not newer than " + version());
        }
        EarlyExitClassifier replaced = classifier;
        classifier = prepared.classifier();
        payload = prepared.update().payload();
        // Native memory of the old snapshot is freed now, not when a collection of the old generation gets to it.
        replaced.close();
        return Optional.empty();
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
