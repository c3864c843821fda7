package byot.stream.model.train;

/** What an offline run did: steps, images, wall time and throughput, and the last step's loss. */
public record TrainingSummary(long steps, long images, double seconds, double imagesPerSecond, StepResult last) {
}
