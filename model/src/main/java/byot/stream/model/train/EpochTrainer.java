package byot.stream.model.train;

import byot.stream.model.data.ImageArrays;
import byot.stream.model.exit.EarlyExitClassifier;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Offline training: epochs of seeded shuffles over an in-memory image set. The last incomplete batch of
 * each epoch is dropped, so batch-norm statistics never come from a handful of images.
 */
public final class EpochTrainer {

    private EpochTrainer() {
    }

    /**
     * @param teacher for {@code kd} mode, the separately trained model whose deepest logits are the soft
     *                targets; {@code null} otherwise
     */
    public static TrainingSummary run(Trainer trainer, ImageArrays data, TrainingRun run,
                                      EarlyExitClassifier teacher, TrainingProgress progress) {
        int batches = data.size() / run.batchSize();
        if (batches == 0) {
            throw new IllegalArgumentException("data set of " + data.size() + " images is smaller than one batch of " + run.batchSize());
        }
        SplittableRandom random = new SplittableRandom(run.seed());
        long start = System.nanoTime();
        long steps = 0;
        StepResult last = null;
        for (int epoch = 0; epoch < run.epochs(); epoch++) {
            int[] order = permutation(data.size(), random);
            for (int b = 0; b < batches; b++) {
                int[] idx = java.util.Arrays.copyOfRange(order, b * run.batchSize(), (b + 1) * run.batchSize());
                INDArray pixels = data.batch(idx, run.augmentation(), random);
                int[] labels = data.labels(idx);
                last = teacher == null ? trainer.step(pixels, labels)
                        : trainer.step(pixels, labels, teacher.deepestLogits(pixels));
                steps++;
                double elapsed = (System.nanoTime() - start) / 1e9;
                double rate = steps * run.batchSize() / Math.max(elapsed, 1e-9);
                long remaining = (long) run.epochs() * batches - steps;
                progress.onStep(new TrainingProgress.Event(epoch + 1, run.epochs(), b + 1, batches, rate,
                        remaining * run.batchSize() / Math.max(rate, 1e-9), last));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long images = steps * run.batchSize();
        return new TrainingSummary(steps, images, seconds, images / seconds, last);
    }

    static int[] permutation(int n, SplittableRandom random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
