package byot.stream.jobs.adapt;

import java.util.Optional;

/**
 * How a run of the pipeline starts: from a savepoint (or a retained checkpoint), or fresh.
 *
 * @param savepoint              savepoint or retained checkpoint to restore; empty: no restore requested by a flag
 * @param allowNonRestoredState  restore even if some state of the savepoint belongs to no operator of this job
 * @param continueModelsTopic    on a fresh start, continue the version line of the models topic ({@link StartingModel})
 */
public record StartSettings(Optional<String> savepoint, boolean allowNonRestoredState, boolean continueModelsTopic) {

    /** A fresh start that continues the models topic's version line. */
    public static StartSettings fresh() {
        return new StartSettings(Optional.empty(), false, true);
    }
}
