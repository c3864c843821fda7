package byot.stream.model.eval;

import byot.stream.model.exit.ExitPolicy;

/**
 * What early exit under one policy does on a labelled set.
 *
 * @param histogram samples answered at each exit (index 0 = exit 1)
 */
public record EarlyExitOutcome(ExitPolicy policy, double accuracy, double meanDepth, long[] histogram, double macsPerSample) {
}
