package byot.stream.model.train;

import byot.stream.model.data.Augmentation;

/** How an offline training run walks the data: epochs, batch size, augmentation, shuffling seed. */
public record TrainingRun(int epochs, int batchSize, Augmentation augmentation, long seed) {
    public TrainingRun {
        if (epochs <= 0) {
            throw new IllegalArgumentException("epochs must be > 0, got " + epochs);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
        }
    }

    public long stepsFor(int examples) {
        return (long) epochs * (examples / batchSize);
    }
}
