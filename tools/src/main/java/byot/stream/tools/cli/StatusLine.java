package byot.stream.tools.cli;

import java.io.PrintStream;

/**
 * A progress line on stderr: rewritten in place on a terminal, and printed as a new line every few
 * seconds when stderr is a log file (so CI logs stay readable). Stdout stays free for results.
 */
public final class StatusLine {
    private static final int WIDTH = 24;
    private final PrintStream err;
    private final boolean terminal;
    private final long minIntervalNanos;
    private long lastPrint;
    private boolean dirty;

    public StatusLine(PrintStream err) {
        this.err = err;
        this.terminal = System.console() != null;
        this.minIntervalNanos = terminal ? 200_000_000L : 5_000_000_000L;
    }

    /** @param fraction progress in [0, 1], or negative when the total is unknown */
    public void update(double fraction, String text) {
        long now = System.nanoTime();
        if (now - lastPrint < minIntervalNanos && fraction < 1) {
            return;
        }
        lastPrint = now;
        String bar = "";
        if (fraction >= 0) {
            int filled = (int) Math.round(Math.min(1, fraction) * WIDTH);
            bar = String.format("[%s%s] %3.0f%% ", "#".repeat(filled), ".".repeat(WIDTH - filled), fraction * 100);
        }
        if (terminal) {
            err.print("\r" + bar + text + "\u001b[K");
            dirty = true;
        } else {
            err.println(bar + text);
        }
    }

    public void finish() {
        if (dirty) {
            err.println();
            dirty = false;
        }
    }

    public static String duration(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
    }
}
