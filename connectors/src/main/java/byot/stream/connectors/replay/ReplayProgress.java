package byot.stream.connectors.replay;

/**
 * A snapshot while replaying.
 *
 * @param total events the replay will send, or -1 when it loops without a limit
 */
public record ReplayProgress(long sent, long acknowledged, long errors, long total, double ratePerSecond,
        double elapsedSeconds) {}
