package byot.stream.jobs.operators;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.jobs.operators.drift.PairedDifference;
import byot.stream.model.MultiExitModel;
import byot.stream.model.eval.ExitScores;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.input.DomainRouter;
import byot.stream.model.input.InputAlignment;
import byot.stream.model.io.ModelFile;
import byot.stream.model.io.ModelFormatException;
import byot.stream.model.io.RequiredTensors;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Scores a candidate version and the served one on the same held-out slice and decides whether the candidate may
 * be published: not when its accuracy, averaged over the exits, is more than the margin below the served version's
 * and the drop is more than the slice's noise. The mean over exits, not the deepest exit alone, because early exit
 * answers most events from the shallow exits.
 *
 * <p>The noise test is paired, since both versions answer the same events: per event, the difference in exits right,
 * whose mean must be {@value #Z_ONE_SIDED} standard errors below zero (one-sided, about 5 %). On 50-200 held-out
 * events the accuracy alone moves by 2-7 pp between two equally good versions, so a margin test alone refused
 * sound candidates often, and each refusal throws away the training since the last publication.
 *
 * <p>With fewer than {@link #minimum()} held-out events there is nothing to judge on and the candidate passes.
 * The served version's classifier is built once per served version, and it scores each held-out event once. A
 * candidate that passes and is then published ({@link #published}) becomes the served version as it was judged: its
 * classifier and its scores are kept, so a publication costs one snapshot and one scoring of the holdout, not two of
 * each (a snapshot builds the inference graph; on the learner's shared cores that was a fifth of its time).
 *
 * <p>One thread at a time: {@link #judge} runs on the learner's step thread, {@link #published} and
 * {@link #passedScores} on its task thread once the judgement's outcome has come back through the mailbox.
 */
final class PublishGate implements AutoCloseable {

    /** Held-out events below which a score says too little (the accuracy's standard error is ~7 pp at 50). */
    static final int MIN_HOLDOUT = 50;
    private static final int CHUNK = 64;
    /** One-sided 95 % quantile of the standard normal: how sure a regression must be to refuse. */
    static final double Z_ONE_SIDED = 1.645;

    private final AdaptConfig.Gate config;
    private final RequiredTensors tensors = new RequiredTensors(1);
    private byte[] servedPayload;
    private EarlyExitClassifier served;
    /** The input alignment the served version was published with; {@code null}: none. */
    private InputAlignment servedAlignment;
    /**
     * How many exits of the served version got each held-out event right, by event id: the served version is scored
     * only on the events that joined the holdout since the last judgement, which halves the gate's cost.
     */
    private Map<String, Integer> servedCorrect = new HashMap<>();
    private long servedVersion;
    /** Served classifiers built from a payload (not taken over from a published candidate): what a publication saves. */
    private int servedBuilds;
    /** The last candidate that passed, kept until it is published or another judgement replaces it. */
    private Passed passed;

    /**
     * A candidate that passed: its classifier, the alignment it was judged with, its exits right per held-out event,
     * and its every exit's output on the held-out events (what its own thresholds are checked on).
     */
    private record Passed(EarlyExitClassifier classifier, long version, InputAlignment alignment, Map<String, Integer> correct,
                          ExitScores scores) {
    }

    PublishGate(AdaptConfig.Gate config) {
        this.config = config;
    }

    int servedBuilds() {
        return servedBuilds;
    }

    int minimum() {
        return Math.min(MIN_HOLDOUT, config.holdoutSize());
    }

    /**
     * Each version sees the held-out events as inference would feed them to it: mapped by the input alignment it is
     * (or was) published with.
     *
     * @param candidateAlignment the input alignment the candidate would be published with; {@code null}: none
     * @param candidateVersion   the version the candidate would be published as
     * @param servedPayload      the model file of the version being served
     */
    GateVerdict judge(MultiExitModel candidate, InputAlignment candidateAlignment, long candidateVersion, byte[] servedPayload,
                      List<ImageEvent> holdout) throws ModelFormatException {
        if (holdout.size() < minimum()) {
            return new GateVerdict(candidateVersion, -1, Double.NaN, Double.NaN, holdout.size(), true);
        }
        EarlyExitClassifier reference = servedClassifier(servedPayload);
        List<ImageEvent> unscored = holdout.stream().filter(e -> !servedCorrect.containsKey(e.id())).toList();
        int[] fresh = correctExits(reference, unscored, servedAlignment);
        for (int i = 0; i < fresh.length; i++) {
            servedCorrect.put(unscored.get(i).id(), fresh[i]);
        }
        java.util.Set<String> held = new java.util.HashSet<>();
        int[] servedRight = new int[holdout.size()];
        for (int i = 0; i < holdout.size(); i++) {
            held.add(holdout.get(i).id());
            servedRight[i] = servedCorrect.get(holdout.get(i).id());
        }
        servedCorrect.keySet().retainAll(held);   // events that left the window
        dropPassed();   // a candidate judged before and never published: its native arrays go before the next snapshot's
        EarlyExitClassifier c = candidate.snapshot();
        int[] candidateRight;
        boolean pass;
        boolean kept = false;
        try {
            ExitScores candidateScores = scores(c, holdout, candidateAlignment);
            candidateRight = correct(candidateScores);
            pass = !regressed(servedRight, candidateRight, reference.exits(), config.margin());
            if (pass) {
                Map<String, Integer> byId = new HashMap<>();
                for (int i = 0; i < holdout.size(); i++) {
                    byId.put(holdout.get(i).id(), candidateRight[i]);
                }
                passed = new Passed(c, candidateVersion, candidateAlignment, byId, candidateScores);
                kept = true;
            }
        } finally {
            if (!kept) {
                c.close();
            }
        }
        int exits = reference.exits();
        return new GateVerdict(candidateVersion, servedVersion, mean(candidateRight, exits), mean(servedRight, exits),
                holdout.size(), pass);
    }

    /**
     * The outputs of the candidate that last passed on the held-out events it was judged on (never trained on, and
     * scored by the version itself, unlike the learner's calibration window, scored by the versions served before
     * it); empty when none passed since the last publication.
     */
    Optional<ExitScores> passedScores(long version, InputAlignment alignment) {
        return isPassed(version, alignment) ? Optional.of(passed.scores()) : Optional.empty();
    }

    /** Whether {@code version} with {@code alignment} is the candidate that last passed, as it was judged. */
    private boolean isPassed(long version, InputAlignment alignment) {
        return passed != null && passed.version() == version && Objects.equals(passed.alignment(), alignment);
    }

    /**
     * The candidate that last passed went out as {@code payload}: it is the served version from now on, as judged.
     * Anything else published (another alignment, weights not judged) is built from its payload at the next judgement.
     *
     * @param alignment the input alignment it was published with; {@code null}: none
     */
    void published(long version, byte[] payload, InputAlignment alignment) {
        if (!isPassed(version, alignment)) {
            dropPassed();
            return;
        }
        closeServed();
        served = passed.classifier();
        servedVersion = version;
        servedAlignment = alignment;
        servedPayload = payload;
        servedCorrect = new HashMap<>(passed.correct());
        passed = null;
    }

    private void dropPassed() {
        if (passed != null) {
            passed.classifier().close();
            passed = null;
        }
    }

    /**
     * Whether the candidate is worse than the served version beyond the margin and beyond the noise of these events.
     *
     * @param served    exits of the served version right, per held-out event
     * @param candidate the candidate's, on the same events
     */
    static boolean regressed(int[] served, int[] candidate, int exits, double margin) {
        PairedDifference drop = PairedDifference.of(served, candidate);
        return drop.mean() / exits > margin && drop.surelyPositive(Z_ONE_SIDED);
    }

    private static double mean(int[] right, int exits) {
        long sum = 0;
        for (int r : right) {
            sum += r;
        }
        return (double) sum / ((long) exits * right.length);
    }

    private EarlyExitClassifier servedClassifier(byte[] payload) throws ModelFormatException {
        if (payload != servedPayload) {
            MultiExitModel model = ModelFile.fromBytes(payload, tensors);
            try {
                closeServed();
                servedCorrect.clear();
                served = model.snapshot();
                servedVersion = model.version();
                servedBuilds++;
                servedAlignment = ModelFile.inputAlignment(payload).orElse(null);
                servedPayload = payload;
            } finally {
                model.release();
            }
        }
        return served;
    }

    /** Accuracy on {@code events} mapped by {@code alignment} (or as they came: {@code null}), averaged over the exits. */
    static double score(EarlyExitClassifier classifier, List<ImageEvent> events, InputAlignment alignment) {
        return mean(correctExits(classifier, events, alignment), classifier.exits());
    }

    /** Every exit's output on each event, the events mapped by {@code alignment} ({@code null}: as they came). */
    static ExitScores scores(EarlyExitClassifier classifier, List<ImageEvent> events, InputAlignment alignment) {
        DomainRouter router = alignment == null ? null : new DomainRouter(alignment);
        return ExitScores.compute(classifier, EventTensors.labels(events), CHUNK,
                (from, to) -> EventTensors.pixels(events.subList(from, to), router));
    }

    /** For each scored event, how many exits classify it correctly. */
    static int[] correct(ExitScores scores) {
        int[] out = new int[scores.size()];
        for (int i = 0; i < out.length; i++) {
            for (float[] exit : scores.sample(i)) {
                out[i] += EarlyExitClassifier.argmax(exit) == scores.label(i) ? 1 : 0;
            }
        }
        return out;
    }

    /** For each event, how many exits classify it correctly. */
    static int[] correctExits(EarlyExitClassifier classifier, List<ImageEvent> events, InputAlignment alignment) {
        return correct(scores(classifier, events, alignment));
    }

    @Override
    public void close() {
        closeServed();
        dropPassed();
    }

    private void closeServed() {
        if (served != null) {
            served.close();
            served = null;
            servedPayload = null;
        }
    }
}
