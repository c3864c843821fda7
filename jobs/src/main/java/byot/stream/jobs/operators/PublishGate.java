package byot.stream.jobs.operators;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.io.ModelFile;
import byot.stream.model.io.ModelFormatException;
import byot.stream.model.io.RequiredTensors;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Scores a candidate version and the served one on the same held-out slice and decides whether the candidate may
 * be published: not when its accuracy, averaged over the exits, is more than the margin below the served version's.
 * The mean over exits, not the deepest exit alone, because early exit answers most events from the shallow exits.
 *
 * <p>With fewer than {@link #minimum()} held-out events there is nothing to judge on and the candidate passes.
 * The served version's classifier is built once per served version, not at every judgement.
 */
final class PublishGate implements AutoCloseable {

    /** Held-out events below which a score says too little (the accuracy's standard error is ~7 pp at 50). */
    static final int MIN_HOLDOUT = 50;
    private static final int CHUNK = 64;

    private final AdaptConfig.Gate config;
    private final RequiredTensors tensors = new RequiredTensors(1);
    private byte[] servedPayload;
    private EarlyExitClassifier served;

    PublishGate(AdaptConfig.Gate config) {
        this.config = config;
    }

    int minimum() {
        return Math.min(MIN_HOLDOUT, config.holdoutSize());
    }

    /**
     * @param candidateVersion the version the candidate would be published as
     * @param servedPayload    the model file of the version being served
     */
    GateVerdict judge(MultiExitModel candidate, long candidateVersion, byte[] servedPayload, List<ImageEvent> holdout)
            throws ModelFormatException {
        if (holdout.size() < minimum()) {
            return new GateVerdict(candidateVersion, -1, Double.NaN, Double.NaN, holdout.size(), true);
        }
        EarlyExitClassifier reference = servedClassifier(servedPayload);
        double servedScore = score(reference, holdout);
        double candidateScore;
        try (EarlyExitClassifier c = candidate.snapshot()) {
            candidateScore = score(c, holdout);
        }
        boolean pass = candidateScore >= servedScore - config.margin();
        return new GateVerdict(candidateVersion, reference.version(), candidateScore, servedScore, holdout.size(), pass);
    }

    private EarlyExitClassifier servedClassifier(byte[] payload) throws ModelFormatException {
        if (payload != servedPayload) {
            MultiExitModel model = ModelFile.fromBytes(payload, tensors);
            try {
                close();
                served = model.snapshot();
                servedPayload = payload;
            } finally {
                model.release();
            }
        }
        return served;
    }

    /** Accuracy on {@code events}, averaged over the exits. */
    static double score(EarlyExitClassifier classifier, List<ImageEvent> events) {
        int exits = classifier.exits();
        long correct = 0;
        for (int from = 0; from < events.size(); from += CHUNK) {
            List<ImageEvent> chunk = events.subList(from, Math.min(events.size(), from + CHUNK));
            INDArray[] probabilities = classifier.allExits(EventTensors.pixels(chunk));
            for (int e = 0; e < exits; e++) {
                int[] predicted = probabilities[e].argMax(1).toIntVector();
                for (int i = 0; i < predicted.length; i++) {
                    correct += predicted[i] == chunk.get(i).label() ? 1 : 0;
                }
            }
        }
        return (double) correct / ((long) exits * events.size());
    }

    @Override
    public void close() {
        if (served != null) {
            served.close();
            served = null;
            servedPayload = null;
        }
    }
}
