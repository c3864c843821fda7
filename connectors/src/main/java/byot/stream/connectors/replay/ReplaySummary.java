package byot.stream.connectors.replay;

/**
 * How a replay went. {@code sent} counts events the broker acknowledged; {@code errors} those it did not.
 *
 * @param firstError the first send failure, or {@code null}
 */
public record ReplaySummary(long sent, long errors, long bytes, double seconds, double recordsPerSecond,
        double megabytesPerSecond, String firstError) {}
