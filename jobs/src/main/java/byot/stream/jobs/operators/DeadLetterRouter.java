package byot.stream.jobs.operators;

import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.kafka.Decoded;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Sends decoded image events on, and records that failed to decode to a side output, counting them. */
public final class DeadLetterRouter extends ProcessFunction<Decoded, ImageEvent> {

    public static final OutputTag<DeadLetter> DEAD = new OutputTag<>("dead-letters") {};

    private transient Counter deadLetters;

    @Override
    public void open(org.apache.flink.api.common.functions.OpenContext ctx) {
        deadLetters = getRuntimeContext().getMetricGroup().counter(PipelineMetrics.DEAD_LETTERS);
    }

    @Override
    public void processElement(Decoded value, Context ctx, Collector<ImageEvent> out) {
        if (value.isOk()) {
            out.collect(value.event());
        } else {
            deadLetters.inc();
            ctx.output(DEAD, value.deadLetter());
        }
    }
}
