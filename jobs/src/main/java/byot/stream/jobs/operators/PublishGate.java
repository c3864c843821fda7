package byot.stream.jobs.operators;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.io.ModelFile;
import byot.stream.model.io.ModelFormatException;
import byot.stream.model.io.RequiredTensors;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Scores a candidate version and the served one on the same held-out slice and decides whether the candidate may
 * be published: not when its accuracy, averaged over the exits, is more than the margin below the served version's.
 * The mean over exits, not the deepest exit alone, because early exit answers most events from the shallow exits.
 *
 * <p>With fewer than {@link #minimum()} held-out events there is nothing to judge on and the candidate passes.
 * The served version's classifier is built once per served version, and it scores each held-out event once.
 */
final class PublishGate implements AutoCloseable {

    /** Held-out events below which a score says too little (the accuracy's standard error is ~7 pp at 50). */
    static final int MIN_HOLDOUT = 50;
    private static final int CHUNK = 64;

    private final AdaptConfig.Gate config;
    private final RequiredTensors tensors = new RequiredTensors(1);
    private byte[] servedPayload;
    private EarlyExitClassifier served;
    /**
     * How many exits of the served version got each held-out event right, by event id: the served version is scored
     * only on the events that joined the holdout since the last judgement, which halves the gate's cost.
     */
    private final Map<String, Integer> servedCorrect = new HashMap<>();

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
        List<ImageEvent> unscored = holdout.stream().filter(e -> !servedCorrect.containsKey(e.id())).toList();
        int[] fresh = correctExits(reference, unscored);
        for (int i = 0; i < fresh.length; i++) {
            servedCorrect.put(unscored.get(i).id(), fresh[i]);
        }
        java.util.Set<String> held = new java.util.HashSet<>();
        long servedRight = 0;
        for (ImageEvent e : holdout) {
            held.add(e.id());
            servedRight += servedCorrect.get(e.id());
        }
        servedCorrect.keySet().retainAll(held);   // events that left the window
        double servedScore = (double) servedRight / ((long) reference.exits() * holdout.size());
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
                servedCorrect.clear();
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
        long correct = 0;
        for (int c : correctExits(classifier, events)) {
            correct += c;
        }
        return (double) correct / ((long) classifier.exits() * events.size());
    }

    /** For each event, how many exits classify it correctly. */
    private static int[] correctExits(EarlyExitClassifier classifier, List<ImageEvent> events) {
        int[] out = new int[events.size()];
        for (int from = 0; from < events.size(); from += CHUNK) {
            List<ImageEvent> chunk = events.subList(from, Math.min(events.size(), from + CHUNK));
            INDArray[] probabilities = classifier.allExits(EventTensors.pixels(chunk));
            for (INDArray exit : probabilities) {
                int[] predicted = exit.argMax(1).toIntVector();
                for (int i = 0; i < predicted.length; i++) {
                    out[from + i] += predicted[i] == chunk.get(i).label() ? 1 : 0;
                }
            }
        }
        return out;
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
