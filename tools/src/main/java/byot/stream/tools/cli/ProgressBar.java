package byot.stream.tools.cli;

import byot.stream.connectors.replay.ReplayProgress;
import java.io.PrintStream;

/** The status line of a replay: sent/total, rate, errors and ETA, drawn by {@link StatusLine}. */
final class ProgressBar {
    private final StatusLine line;

    ProgressBar(PrintStream err) {
        this.line = new StatusLine(err);
    }

    void update(ReplayProgress p) {
        String errors = p.errors() == 0 ? "" : "  errors " + p.errors();
        if (p.total() < 0) {
            line.update(-1, String.format("%,d sent  %,.0f/s%s", p.sent(), p.ratePerSecond(), errors));
            return;
        }
        double done = p.total() == 0 ? 1 : (double) p.sent() / p.total();
        double eta = p.ratePerSecond() > 0 ? (p.total() - p.sent()) / p.ratePerSecond() : 0;
        line.update(done, String.format("%,d/%,d  %,.0f/s%s  ETA %s", p.sent(), p.total(), p.ratePerSecond(), errors,
                StatusLine.duration(eta)));
    }

    void finish() {
        line.finish();
    }
}
