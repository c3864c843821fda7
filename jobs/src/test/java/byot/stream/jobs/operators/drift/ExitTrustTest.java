package byot.stream.jobs.operators.drift;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExitTrustTest {

    @Test
    void onAnAlarmOnlyTheExitsThatFellAreDistrustedUntilTheRecoveryPeriodEnds() {
        ExitTrust trust = new ExitTrust(3, 200, 50, 0.05, 100);
        for (int i = 0; i < 150; i++) {
            trust.add(new boolean[] {i % 5 != 0, i % 5 != 0, true});   // 80% right at exits 1 and 2
        }
        for (int i = 0; i < 50; i++) {
            trust.add(new boolean[] {i % 2 == 0, i % 5 != 0, true});   // exit 1 falls to 50%, exit 2 stays at 80%
        }
        assertThat(trust.onAlarm()).containsExactly(1);
        assertThat(trust.trusted()).containsExactly(false, true);
        for (int i = 0; i < 99; i++) {
            trust.add(new boolean[] {true, true, true});
        }
        assertThat(trust.allTrusted()).isFalse();
        trust.add(new boolean[] {true, true, true});
        assertThat(trust.trusted()).containsExactly(true, true);
    }
}
