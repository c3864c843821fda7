package byot.stream.jobs.adapt;

import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.Prediction;
import byot.stream.connectors.kafka.Decoded;
import byot.stream.jobs.operators.DeadLetterRouter;
import byot.stream.jobs.operators.EarlyExitOperator;
import byot.stream.jobs.operators.ExitScore;
import byot.stream.jobs.operators.FineTuneOperator;
import byot.stream.jobs.operators.LearnerSample;
import byot.stream.jobs.operators.MetricsWindows;
import byot.stream.jobs.operators.Observation;
import byot.stream.model.io.ModelFile;
import byot.stream.model.io.ModelFormatException;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;

/**
 * The continual-adaptation job graph:
 * <pre>
 *   images ─▶ route ─┬─▶ early-exit (N) ─▶ predictions
 *                    │        ▲ broadcast         └─▶ metrics windows ─▶ metrics
 *                    ├─▶ labelled (+ a share of unlabelled) ─▶ fine-tune (1) ─▶ models    ▲
 *                    │                    └── prequential scores, drift alarms ┘
 *                    └─▶ dead letters ◀── (and events fine-tune or early-exit could not handle)
 * </pre>
 * Sources and sinks are injected ({@link PipelineEndpoints}), so tests run the same graph on finite data.
 */
public final class AdaptPipeline {

    private AdaptPipeline() {
    }

    public static void build(StreamExecutionEnvironment env, PipelineEndpoints io, PipelineConfig config, byte[] initialModel)
            throws ModelFormatException {
        int exits = ModelFile.spec(initialModel).sections();
        // Checked here, where the model's exit count is known, so every way of building the job gets the same answer.
        int thresholds = config.inference().thresholds().length;
        if (thresholds != exits - 1) {
            throw new IllegalArgumentException("early exit needs " + (exits - 1) + " thresholds (one per shallow exit of "
                    + exits + "), got " + thresholds + " (--thresholds)");
        }
        Duration outOfOrderness = config.maxOutOfOrderness();
        WatermarkStrategy<Decoded> watermarks = WatermarkStrategy.<Decoded>forGenerator(ctx -> new ArrivalBoundedWatermarks(outOfOrderness))
                .withTimestampAssigner(new ClampedTimestamps(config.eventTimeBounds()))
                .withIdleness(Duration.ofSeconds(5));

        SingleOutputStreamOperator<ImageEvent> images = env.fromSource(io.images(), watermarks, "images").uid("images")
                .process(new DeadLetterRouter()).name("route").uid("route");
        // The learner never chains with the source: a step of a few hundred ms on the source's thread would stop
        // every event, labelled or not, for as long. In a slot-sharing group of its own it also gets slots of its own.
        SingleOutputStreamOperator<ModelUpdate> updates = images.filter(new LearnerSample(config.adapt().unlabelled().share()))
                .name("labelled").uid("labelled")
                .transform("fine-tune", TypeInformation.of(ModelUpdate.class), new FineTuneOperator(config.adapt(),
                        config.learnerBudget(), initialModel, config.drift(), config.inference().policy()))
                .setParallelism(1).setMaxParallelism(1).uid("fine-tune")
                .startNewChain().slotSharingGroup(config.learnerSlotGroup());
        updates.sinkTo(io.models()).name("models").uid("models").setParallelism(1);

        SingleOutputStreamOperator<Prediction> predictions = images.connect(updates.broadcast())
                .transform("early-exit", TypeInformation.of(Prediction.class), new EarlyExitOperator(config.inference(), initialModel))
                .uid("early-exit");
        if (config.inferenceParallelism() > 0) {
            predictions.setParallelism(config.inferenceParallelism());
        }
        predictions.sinkTo(io.predictions()).name("predictions").uid("predictions");

        // Undecodable records, and events the learner or the served model could not handle: one topic, one reason each.
        DataStream<DeadLetter> deadLetters = images.getSideOutput(DeadLetterRouter.DEAD)
                .union(updates.getSideOutput(FineTuneOperator.DEAD_LETTERS), predictions.getSideOutput(EarlyExitOperator.DEAD_LETTERS));
        deadLetters.sinkTo(io.deadLetters()).name("dead-letters").uid("dead-letters");

        DataStream<ExitScore> scores = updates.getSideOutput(FineTuneOperator.SCORES);
        predictions.map(Observation::of).returns(Observation.class).name("observe-predictions").uid("observe-predictions")
                .union(scores.map(Observation::of).returns(Observation.class).name("observe-scores").uid("observe-scores"),
                        deadLetters.map(Observation::of).returns(Observation.class).name("observe-dead-letters").uid("observe-dead-letters"),
                        updates.getSideOutput(FineTuneOperator.GATE).filter(v -> !v.published()).name("refused-publishes")
                                .uid("refused-publishes").map(Observation::refused).returns(Observation.class)
                                .name("observe-refusals").uid("observe-refusals"),
                        updates.getSideOutput(FineTuneOperator.DRIFT_ALARMS).map(Observation::of).returns(Observation.class)
                                .name("observe-drift-alarms").uid("observe-drift-alarms"))
                .keyBy(Observation::modelVersion)
                .window(TumblingEventTimeWindows.of(config.metricsWindow()))
                .aggregate(new MetricsWindows.Aggregate(exits), new MetricsWindows.Emit(exits)).name("metrics-windows").uid("metrics-windows")
                .sinkTo(io.metrics()).name("metrics").uid("metrics");
    }
}
