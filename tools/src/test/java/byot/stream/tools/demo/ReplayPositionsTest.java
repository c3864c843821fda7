package byot.stream.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReplayPositionsTest {

    @Test
    void inFileOrderAPositionIsTheIndexAndLoopsFollowEachOther() {
        ReplayPositions positions = ReplayPositions.fileOrder(10);
        assertThat(positions.of("test-3-0")).isEqualTo(3);
        assertThat(positions.of("test-3-2")).isEqualTo(23);
    }

    @Test
    void inAClassOrderAPositionIsTheRankAndAPassIsOnlyTheClassesReplayed() {
        // Six images; the order replays images 4, 1, 5 (say, one class) and leaves the rest out.
        ReplayPositions positions = ReplayPositions.of(new int[] {4, 1, 5}, 6);
        assertThat(positions.of("test-4-0")).isZero();
        assertThat(positions.of("test-5-0")).isEqualTo(2);
        assertThat(positions.of("test-1-1")).isEqualTo(3 + 1);
        assertThat(positions.of("test-0-0")).as("an image the order leaves out").isEqualTo(-1);
    }

    @Test
    void idsThatNameNoReplayedImageHaveNoPosition() {
        ReplayPositions positions = ReplayPositions.fileOrder(10);
        assertThat(positions.of("camera-frame")).isEqualTo(-1);
        assertThat(positions.of("test-x-0")).isEqualTo(-1);
        assertThat(positions.of("test-10-0")).as("beyond the split").isEqualTo(-1);
        assertThat(positions.of("test-3--1")).isEqualTo(-1);
        assertThat(ReplayPositions.imageIndex("test-3-2")).isEqualTo(3);
        assertThat(ReplayPositions.imageIndex("camera-frame")).isEqualTo(-1);
    }
}
