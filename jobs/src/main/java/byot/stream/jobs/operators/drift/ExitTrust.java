package byot.stream.jobs.operators.drift;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Which shallow exits inference may answer at. After a domain shift the shallow exits are often confidently wrong,
 * and thresholds calibrated on the old domain let them answer. So on a drift alarm every shallow exit whose
 * prequential accuracy over the most recent {@code recent} labelled events is more than {@code drop} below its
 * accuracy over the rest of the window is no longer trusted: inference answers those events deeper. It is trusted
 * again once {@code recovery} labelled events have passed since the alarm, enough for the calibration (which
 * forgets the old domain at the alarm) to set its threshold on the new domain alone.
 */
final class ExitTrust implements Serializable {
    private static final long serialVersionUID = 1L;

    private final boolean[][] ring;
    private final int recent;
    private final double drop;
    private final int recovery;
    private final boolean[] trusted;
    private int next;
    private int filled;
    private long sinceAlarm = -1;

    ExitTrust(int exits, int window, int recent, double drop, int recovery) {
        ring = new boolean[window][exits];
        this.recent = recent;
        this.drop = drop;
        this.recovery = recovery;
        trusted = new boolean[exits - 1];
        Arrays.fill(trusted, true);
    }

    /** One labelled event's prequential outcome at every exit. */
    void add(boolean[] right) {
        for (int e = 0; e < ring[next].length; e++) {
            ring[next][e] = e < right.length && right[e];
        }
        next = (next + 1) % ring.length;
        filled = Math.min(filled + 1, ring.length);
        if (sinceAlarm >= 0 && ++sinceAlarm >= recovery) {
            Arrays.fill(trusted, true);
            sinceAlarm = -1;
        }
    }

    /** Distrusts the shallow exits that have fallen; returns them, 1-based. */
    int[] onAlarm() {
        sinceAlarm = 0;
        int[] fallen = new int[trusted.length];
        int n = 0;
        int newest = Math.min(recent, filled);
        int older = filled - newest;
        for (int e = 0; e < trusted.length; e++) {
            if (newest == 0 || older == 0) {
                break;   // nothing to compare with
            }
            int recentCorrect = 0;
            int olderCorrect = 0;
            for (int k = 0; k < filled; k++) {
                int slot = Math.floorMod(next - 1 - k, ring.length);
                if (ring[slot][e]) {
                    if (k < newest) {
                        recentCorrect++;
                    } else {
                        olderCorrect++;
                    }
                }
            }
            if ((double) recentCorrect / newest < (double) olderCorrect / older - drop) {
                trusted[e] = false;
            }
        }
        for (int e = 0; e < trusted.length; e++) {
            if (!trusted[e]) {
                fallen[n++] = e + 1;
            }
        }
        return Arrays.copyOf(fallen, n);
    }

    /**
     * After a restore: the trust last published. Exits distrusted then stay so until {@code recovery} labelled events
     * have passed, as after an alarm; the window that would say more was not checkpointed and fills again.
     */
    void resume(boolean[] published) {
        boolean any = false;
        for (int e = 0; e < trusted.length && e < published.length; e++) {
            trusted[e] = published[e];
            any |= !published[e];
        }
        sinceAlarm = any ? 0 : -1;
    }

    boolean[] trusted() {
        return trusted.clone();
    }

    boolean allTrusted() {
        for (boolean t : trusted) {
            if (!t) {
                return false;
            }
        }
        return true;
    }
}
