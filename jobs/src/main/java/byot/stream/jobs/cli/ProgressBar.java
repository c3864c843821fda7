package byot.stream.jobs.cli;

import byot.stream.connectors.replay.ReplayProgress;
import java.io.PrintStream;

/** One stderr line rewritten in place ({@code \r}): sent/total, rate, errors and ETA of a replay. */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintStream err;

    ProgressBar(PrintStream err) {
        this.err = err;
    }

    void update(ReplayProgress p) {
        String errors = p.errors() == 0 ? "" : "  errors " + p.errors();
        if (p.total() < 0) {
            err.printf("\r%,d sent  %,.0f/s%s   ", p.sent(), p.ratePerSecond(), errors);
            return;
        }
        double done = p.total() == 0 ? 1 : (double) p.sent() / p.total();
        int filled = (int) Math.round(done * WIDTH);
        long etaSeconds = p.ratePerSecond() > 0 ? Math.round((p.total() - p.sent()) / p.ratePerSecond()) : 0;
        err.printf("\r[%s%s] %,d/%,d %3.0f%%  %,.0f/s%s  ETA %d:%02d   ", "#".repeat(filled), ".".repeat(WIDTH - filled),
                p.sent(), p.total(), done * 100, p.ratePerSecond(), errors, etaSeconds / 60, etaSeconds % 60);
    }

    void finish() {
        err.println();
    }
}
