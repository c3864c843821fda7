package byot.stream.jobs.adapt;

import byot.stream.connectors.kafka.Decoded;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;

/**
 * Bounded out-of-orderness, except that no record moves the watermark past the moment it arrived. An event stamped
 * ahead of the clock (up to {@link EventTimeBounds#maxFuture()}) still lands in its own metrics window, which
 * closes when the rest of the stream gets there; it cannot make the events of the next minute late and drop them
 * from the metrics, as a plain bounded-out-of-orderness generator would let it.
 */
final class ArrivalBoundedWatermarks implements WatermarkGenerator<Decoded> {

    private final long outOfOrdernessMillis;
    private long maxSeen;

    ArrivalBoundedWatermarks(Duration maxOutOfOrderness) {
        this.outOfOrdernessMillis = maxOutOfOrderness.toMillis();
        this.maxSeen = Long.MIN_VALUE + outOfOrdernessMillis + 1;
    }

    @Override
    public void onEvent(Decoded event, long timestamp, WatermarkOutput output) {
        maxSeen = Math.max(maxSeen, Math.min(timestamp, System.currentTimeMillis()));
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        output.emitWatermark(new Watermark(maxSeen - outOfOrdernessMillis - 1));
    }
}
