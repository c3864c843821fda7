package byot.stream.jobs.adapt;

import byot.stream.connectors.kafka.Decoded;
import byot.stream.jobs.operators.PipelineMetrics;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.TimestampAssignerSupplier;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flink timestamps of the image source: an event's own time within {@link EventTimeBounds} of its arrival, a
 * dead letter's Kafka timestamp within the same bounds. Clamped records are counted
 * ({@link PipelineMetrics#EVENT_TIMES_CLAMPED}) and the first one of each source reader is logged.
 */
final class ClampedTimestamps implements TimestampAssignerSupplier<Decoded> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ClampedTimestamps.class);

    private final EventTimeBounds bounds;

    ClampedTimestamps(EventTimeBounds bounds) {
        this.bounds = bounds;
    }

    @Override
    public TimestampAssigner<Decoded> createTimestampAssigner(Context context) {
        Counter clamped = context.getMetricGroup().counter(PipelineMetrics.EVENT_TIMES_CLAMPED);
        return new TimestampAssigner<>() {
            @Override
            public long extractTimestamp(Decoded d, long kafkaTime) {
                long arrival = System.currentTimeMillis();
                long claimed = d.isOk() ? d.event().eventTimeMillis() : (kafkaTime >= 0 ? kafkaTime : arrival);
                long time = bounds.clamp(claimed, arrival);
                if (time != claimed) {
                    if (clamped.getCount() == 0) {
                        LOG.warn("{} has time {} at arrival {}, outside {} back and {} ahead: clamped to {} "
                                        + "(counted in metric {}, logged once)", d.isOk() ? "image event " + d.event().id()
                                        : "an undecodable record", claimed, arrival, bounds.maxPast(), bounds.maxFuture(), time,
                                PipelineMetrics.EVENT_TIMES_CLAMPED);
                    }
                    clamped.inc();
                }
                return time;
            }
        };
    }
}
