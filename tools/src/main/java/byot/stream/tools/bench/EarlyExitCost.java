package byot.stream.tools.bench;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.Prediction;
import byot.stream.jobs.operators.EventTensors;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.input.DomainRouter;
import byot.stream.model.io.ModelFile;
import byot.stream.model.io.ModelFormatException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What early exit cost the answers a pipeline gave: each answer to a labelled event against the deepest exit of the
 * model version that gave it, on the same image. Paired, so neither the events nor the learner's drift between runs
 * enter the difference: comparing the accuracy of an early-exit run with that of a forced-full-depth run mixes in
 * both (each run's learner trains on its own, and on a few thousand labelled answers two runs differ by about ±1 pp
 * at equal thresholds).
 *
 * <p>Runs are added one at a time, each with its own versions: every run's learner numbers its versions from the
 * same start, so version 14 of one run is not version 14 of the next. The standard error is clustered by image: the
 * bench sends the same images in every round, and a version answers an image the same way each time, so repeats are
 * not independent answers.
 *
 * <p>Each image is mapped by its version's input alignment, routed on its own; inference routes the whole stream,
 * which on a stream with several intensity domains can route an image differently.
 */
final class EarlyExitCost {

    private static final int CHUNK = 256;

    /**
     * @param answers       labelled answers scored
     * @param images        distinct images among them (the clusters of the standard error)
     * @param served        share of the answers right as served
     * @param deepest       share the deepest exit of the same version gets right on the same images
     * @param standardError standard error of {@code deepest - served}, clustered by image (a share, not percentage points)
     * @param versions      model versions the scored answers came from, counted per run
     * @param unscored      labelled answers whose version or image was not found (not in {@code answers})
     */
    record Result(int answers, int images, double served, double deepest, double standardError, int versions, int unscored) {
        /** Accuracy given up for early exit: deepest minus served, as a share. */
        double loss() {
            return deepest - served;
        }
    }

    /** Per image: answers, and the sum over them of (deepest right) - (served right). */
    private final Map<String, int[]> byImage = new HashMap<>();
    private int answers;
    private int servedRight;
    private int deepestRight;
    private int versions;
    private int unscored;

    /**
     * Scores one run's answers.
     *
     * @param predictions the run's answers (those without a label are skipped)
     * @param sent        the events sent, by id
     * @param payloads    a version's model file as this run published it, empty when it cannot be had
     */
    EarlyExitCost add(List<Prediction> predictions, Map<String, ImageEvent> sent, LongFunction<Optional<byte[]>> payloads)
            throws ModelFormatException {
        Map<Long, List<Prediction>> byVersion = new TreeMap<>();
        for (Prediction p : predictions) {
            if (p.label() == null) {
                continue;
            }
            if (!sent.containsKey(p.id())) {
                unscored++;
                continue;
            }
            byVersion.computeIfAbsent(p.modelVersion(), v -> new ArrayList<>()).add(p);
        }
        for (Map.Entry<Long, List<Prediction>> version : byVersion.entrySet()) {
            Optional<byte[]> payload = payloads.apply(version.getKey());
            if (payload.isEmpty()) {
                unscored += version.getValue().size();
                continue;
            }
            versions++;
            score(version.getValue(), sent, payload.get());
        }
        return this;
    }

    private void score(List<Prediction> answered, Map<String, ImageEvent> sent, byte[] payload) throws ModelFormatException {
        DomainRouter router = ModelFile.inputAlignment(payload).map(DomainRouter::new).orElse(null);
        MultiExitModel model = ModelFile.fromBytes(payload);
        try (EarlyExitClassifier classifier = model.snapshot()) {
            for (int from = 0; from < answered.size(); from += CHUNK) {
                List<Prediction> chunk = answered.subList(from, Math.min(answered.size(), from + CHUNK));
                List<ImageEvent> images = chunk.stream().map(p -> sent.get(p.id())).toList();
                INDArray logits = classifier.deepestLogits(EventTensors.pixels(images, router));
                int[] deepest = logits.argMax(1).toIntVector();
                for (int i = 0; i < chunk.size(); i++) {
                    Prediction p = chunk.get(i);
                    boolean s = p.predictedClass() == p.label();
                    boolean d = deepest[i] == p.label();
                    answers++;
                    servedRight += s ? 1 : 0;
                    deepestRight += d ? 1 : 0;
                    int[] cluster = byImage.computeIfAbsent(p.id(), id -> new int[2]);
                    cluster[0]++;
                    cluster[1] += (d ? 1 : 0) - (s ? 1 : 0);
                }
            }
        } finally {
            model.release();
        }
    }

    Result result() {
        if (answers == 0) {
            return new Result(0, 0, Double.NaN, Double.NaN, Double.NaN, versions, unscored);
        }
        double n = answers;
        double mean = (deepestRight - servedRight) / n;
        // Cluster-robust variance of the mean difference: sum over images of (their differences minus their share
        // of the mean) squared, over n squared, with the usual small-sample factor G / (G - 1).
        double sum = 0;
        for (int[] cluster : byImage.values()) {
            double residual = cluster[1] - cluster[0] * mean;
            sum += residual * residual;
        }
        int g = byImage.size();
        double variance = g > 1 ? sum / (n * n) * g / (g - 1) : 0;
        return new Result(answers, g, servedRight / n, deepestRight / n, Math.sqrt(variance), versions, unscored);
    }
}
