package byot.stream.tools.bench;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.Prediction;
import byot.stream.jobs.operators.EventTensors;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.input.DomainRouter;
import byot.stream.model.io.ModelFile;
import byot.stream.model.io.ModelFormatException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What early exit cost the answers a pipeline gave: each answer to a labelled event against the deepest exit of the
 * model version that gave it, on the same image, through that version's input alignment as inference maps it.
 * Paired, so neither the events nor the learner's drift between runs enter the difference: comparing the accuracy of
 * an early-exit run with that of a forced-full-depth run mixes in both (each run's learner trains on its own, and on
 * a few thousand labelled answers two runs differ by about ±1 pp at equal thresholds). The standard error comes from
 * the answers where exactly one of the two is right.
 */
final class EarlyExitCost {

    private static final int CHUNK = 256;

    /**
     * @param answers       labelled answers scored
     * @param served        share of them right as served
     * @param deepest       share the deepest exit of the same version gets right on the same images
     * @param standardError standard error of {@code deepest - served} (a share, not percentage points)
     * @param versions      model versions the scored answers came from
     * @param unscored      labelled answers whose version or image was not found (not in {@code answers})
     */
    record Result(int answers, double served, double deepest, double standardError, int versions, int unscored) {
        /** Accuracy given up for early exit: deepest minus served, as a share. */
        double loss() {
            return deepest - served;
        }
    }

    private EarlyExitCost() {
    }

    /**
     * @param predictions the run's answers (those without a label are skipped)
     * @param sent        the events sent, by id
     * @param payloads    a model version's file, empty when it cannot be had
     */
    static Result of(List<Prediction> predictions, Map<String, ImageEvent> sent, LongFunction<Optional<byte[]>> payloads)
            throws ModelFormatException {
        Map<Long, List<Prediction>> byVersion = new TreeMap<>();
        int unscored = 0;
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
        int answers = 0;
        int servedRight = 0;
        int deepestRight = 0;
        int onlyServed = 0;
        int onlyDeepest = 0;
        int versions = 0;
        for (Map.Entry<Long, List<Prediction>> version : byVersion.entrySet()) {
            Optional<byte[]> payload = payloads.apply(version.getKey());
            if (payload.isEmpty()) {
                unscored += version.getValue().size();
                continue;
            }
            versions++;
            DomainRouter router = ModelFile.inputAlignment(payload.get()).map(DomainRouter::new).orElse(null);
            var model = ModelFile.fromBytes(payload.get());
            try (EarlyExitClassifier classifier = model.snapshot()) {
                List<Prediction> answered = version.getValue();
                for (int from = 0; from < answered.size(); from += CHUNK) {
                    List<Prediction> chunk = answered.subList(from, Math.min(answered.size(), from + CHUNK));
                    List<ImageEvent> images = chunk.stream().map(p -> sent.get(p.id())).toList();
                    INDArray logits = classifier.deepestLogits(EventTensors.pixels(images, router));
                    int[] deepest = logits.argMax(1).toIntVector();
                    for (int i = 0; i < chunk.size(); i++) {
                        int label = chunk.get(i).label();
                        boolean s = chunk.get(i).predictedClass() == label;
                        boolean d = deepest[i] == label;
                        answers++;
                        servedRight += s ? 1 : 0;
                        deepestRight += d ? 1 : 0;
                        onlyServed += s && !d ? 1 : 0;
                        onlyDeepest += d && !s ? 1 : 0;
                    }
                }
            } finally {
                model.release();
            }
        }
        if (answers == 0) {
            return new Result(0, Double.NaN, Double.NaN, Double.NaN, versions, unscored);
        }
        // Per answer the difference is +1 (only the deepest right), -1 (only as served) or 0.
        double n = answers;
        double mean = (onlyDeepest - onlyServed) / n;
        double variance = (onlyDeepest + onlyServed) / n - mean * mean;
        return new Result(answers, servedRight / n, deepestRight / n, Math.sqrt(Math.max(0, variance) / n), versions, unscored);
    }
}
