package byot.stream.jobs.operators;

import byot.stream.connectors.format.ModelUpdate;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.input.InputAlignment;
import byot.stream.model.io.ModelFile;
import byot.stream.model.io.ModelFormatException;
import byot.stream.model.io.RequiredTensors;
import byot.stream.model.spec.ModelSpec;
import java.util.Optional;

/**
 * The model an inference instance serves, and the rules for replacing it: an update must decode, have the
 * served model's architecture and input, carry a higher version, and hold only finite values. The served model itself (same version,
 * same weights) is accepted and changes nothing. Anything else is refused with a reason, and the current model keeps serving.
 *
 * <p>Replacing is two steps, so that the costly one can run off the task thread ({@link ModelPreparer}):
 * {@link #prepare} checks and decodes an update into a ready snapshot (one thread at a time, in arrival order,
 * judging each update against the newest one it accepted), and {@link #install} swaps a ready snapshot in (the task
 * thread only). {@link #offer} does both at once.
 */
final class ModelSlot {

    /** What {@link #prepare} made of an update. */
    sealed interface Prepared permits Refused, Unchanged, Ready {}

    /** Refused, with the reason; the served model keeps serving. */
    record Refused(long version, String reason) implements Prepared {}

    /** The newest accepted model announced again (a learner resuming after a restore): nothing to do. */
    record Unchanged() implements Prepared {}

    /**
     * A checked, decoded version, ready to serve; whoever drops it instead of installing it must close it.
     *
     * @param alignment the input alignment it was published with, or {@code null}
     */
    record Ready(EarlyExitClassifier classifier, byte[] payload, InputAlignment alignment) implements Prepared {}

    private final ModelSpec expected;
    private final int maxPayloadBytes;
    /** Every update has the served model's spec: its tensor index is worked out once, not at every swap. */
    private final RequiredTensors requiredTensors = new RequiredTensors();

    // Served: read and written on the task thread only.
    private EarlyExitClassifier classifier;
    private byte[] payload;
    private InputAlignment alignment;

    // The newest accepted version, served or still on its way: read and written by whoever prepares.
    private long acceptedVersion;
    private byte[] acceptedPayload;
    /** Weights digest of {@link #acceptedPayload}, worked out when first needed. */
    private String acceptedDigest;

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
        this.alignment = alignmentOf(payload);
        this.acceptedVersion = classifier.version();
        this.acceptedPayload = payload;
        model.release();
    }

    EarlyExitClassifier classifier() {
        return classifier;
    }

    /**
     * Frees the served snapshot's native memory. A task restarted in the same TaskManager (every failover) opens a
     * new slot; left to the garbage collector, the old one's megabytes of off-heap arrays outlive it for minutes.
     */
    void close() {
        if (classifier != null) {
            classifier.close();
            classifier = null;
        }
    }

    long version() {
        return classifier.version();
    }

    byte[] payload() {
        return payload;
    }

    /** The input alignment the served version was published with, or {@code null}. */
    InputAlignment alignment() {
        return alignment;
    }

    ModelSpec spec() {
        return expected;
    }

    /** Checks and decodes {@code update}, judged against the newest version accepted so far. */
    Prepared prepare(ModelUpdate update) {
        if (update.payload().length > maxPayloadBytes) {
            return new Refused(update.modelVersion(), "payload of " + update.payload().length + " bytes exceeds the cap of " + maxPayloadBytes);
        }
        if (update.modelVersion() == acceptedVersion && sameWeights(update.payload())) {
            return new Unchanged();
        }
        if (update.modelVersion() <= acceptedVersion) {
            return new Refused(update.modelVersion(), "version " + update.modelVersion() + " is not newer than " + acceptedVersion);
        }
        MultiExitModel model;
        InputAlignment alignment;
        try {
            // The header alone first: a spec from the payload must not build a network (a hostile class count or
            // input size allocates gigabytes) before it is known to be the served one.
            ModelSpec spec = ModelFile.spec(update.payload());
            if (!spec.equals(expected)) {
                return new Refused(update.modelVersion(), "model " + spec.summary() + " does not match served " + expected.summary());
            }
            alignment = ModelFile.inputAlignment(update.payload()).orElse(null);
            model = ModelFile.fromBytes(update.payload(), requiredTensors);
        } catch (ModelFormatException e) {
            return new Refused(update.modelVersion(), "corrupt model payload: " + e.getMessage());
        } catch (RuntimeException e) {
            // Whatever a malformed payload makes the decoder throw is a refusal, not a failed task: the same record
            // would come back after every restart (from Kafka or the operator's state) and fail it again.
            return new Refused(update.modelVersion(), "model payload does not decode: " + e);
        }
        try {
            if (!model.spec().equals(expected)) {
                return new Refused(update.modelVersion(), "model " + model.spec().summary() + " does not match served " + expected.summary());
            }
            if (model.version() != update.modelVersion()) {
                return new Refused(update.modelVersion(),
                        "header version " + update.modelVersion() + " differs from payload version " + model.version());
            }
            Optional<String> nonFinite = model.parameters().firstNonFinite();
            if (nonFinite.isPresent()) {
                return new Refused(update.modelVersion(), "tensor " + nonFinite.get() + " holds NaN or infinite values");
            }
            acceptedVersion = model.version();
            acceptedPayload = update.payload();
            acceptedDigest = null;
            return new Ready(model.snapshot(), update.payload(), alignment);
        } finally {
            model.release();
        }
    }

    /** Serves {@code ready} from now on. Task thread only. */
    void install(Ready ready) {
        EarlyExitClassifier replaced = classifier;
        classifier = ready.classifier();
        payload = ready.payload();
        alignment = ready.alignment();
        // Native memory of the old snapshot is freed now, not when a collection of the old generation gets to it.
        replaced.close();
    }

    /** Prepares and installs {@code update} at once, or explains why not. Task thread, with nothing else preparing. */
    Optional<String> offer(ModelUpdate update) {
        Prepared prepared = prepare(update);
        if (prepared instanceof Ready ready) {
            install(ready);
        }
        return prepared instanceof Refused refused ? Optional.of(refused.reason()) : Optional.empty();
    }

    /** A payload that decoded has a valid header, so its alignment (valid or absent) reads too. */
    private static InputAlignment alignmentOf(byte[] payload) {
        try {
            return ModelFile.inputAlignment(payload).orElse(null);
        } catch (ModelFormatException e) {
            throw new IllegalStateException("a decoded model's header does not read again", e);
        }
    }

    /** Payloads carry their creation time, so equal weights are compared by their digest, not by bytes. */
    private boolean sameWeights(byte[] other) {
        try {
            if (acceptedDigest == null) {
                acceptedDigest = digest(acceptedPayload);
            }
            return digest(other).equals(acceptedDigest);
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
