package byot.stream.jobs.adapt;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.DriftAlarm;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.MetricsWindow;
import byot.stream.jobs.FineTuning;
import byot.stream.jobs.SyntheticImages;
import byot.stream.jobs.operators.InferenceConfig;
import byot.stream.jobs.operators.drift.DetectorKind;
import byot.stream.jobs.operators.drift.DriftConfig;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.io.ModelFile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The whole graph with drift awareness on: the learner's alarm reaches the metrics windows, after the shift only. */
class DriftPipelineGraphTest {

    @Test
    @Timeout(120)
    void aShiftInTheLabelledStreamShowsUpAsADriftAlarmInTheMetricsWindows() throws Exception {
        long now = System.currentTimeMillis();
        int before = 640;
        List<ImageEvent> events = new ArrayList<>(SyntheticImages.events(before, 10, 1.0, false, 3, "before-", now));
        for (ImageEvent e : SyntheticImages.events(320, 10, 1.0, false, 4, "after-", now + before * 10L)) {
            events.add(new ImageEvent(e.id(), e.eventTimeMillis(), e.sourceId(), (e.label() + 1) % 10, e.height(), e.width(),
                    e.channels(), e.encoding(), e.pixels()));
        }
        ImageEventCodec codec = new ImageEventCodec(ImageLimits.DEFAULT);
        DriftConfig drift = new DriftConfig(DetectorKind.ADWIN, 0.002, 200, new DriftConfig.Regime(1, 0.5),
                new DriftConfig.Calibration(true, 0.005, 0.0, 200, 80, 40), 0.05,
                DriftConfig.Alignment.defaults());
        PipelineConfig config = new PipelineConfig(new InferenceConfig(16, 20, ExitCriterion.MAX_SOFTMAX, new double[] {0.9, 0.9, 0.9}),
                FineTuning.byot(256, 5, 60, 7), 1, Duration.ofSeconds(1), Duration.ofSeconds(1)).withDrift(drift);
        byte[] initial = ModelFile.toBytes(MultiExitModel.create(AdaptPipelineITCase.SMALL, 0), false);

        try (FiniteEndpoints io = new FiniteEndpoints(events.stream().map(codec::encode).toList(), AdaptPipelineITCase.SMALL)) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(1);
            AdaptPipeline.build(env, io.endpoints(), config, initial);
            env.execute("drift-graph-test");

            List<MetricsWindow> windows = io.metrics();
            List<DriftAlarm> alarms = windows.stream().flatMap(w -> w.driftAlarms().stream()).toList();
            assertThat(alarms).isNotEmpty().allMatch(a -> a.eventId().startsWith("after-"));
            // Each alarm is in the window of its event time.
            for (MetricsWindow w : windows) {
                assertThat(w.driftAlarms()).allMatch(a -> a.eventTime() >= w.windowStart() && a.eventTime() < w.windowEnd());
            }
        }
    }
}
