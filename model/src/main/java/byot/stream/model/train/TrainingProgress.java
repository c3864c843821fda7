package byot.stream.model.train;

/** Receives one event per optimisation step, e.g. to draw a progress bar. */
@FunctionalInterface
public interface TrainingProgress {

    record Event(int epoch, int epochs, long batch, long batchesPerEpoch, double imagesPerSecond,
                 double etaSeconds, StepResult step) {}

    void onStep(Event event);

    TrainingProgress NONE = e -> { };
}
