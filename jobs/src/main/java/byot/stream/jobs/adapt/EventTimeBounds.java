package byot.stream.jobs.adapt;

import java.io.Serializable;
import java.time.Duration;

/**
 * How far an event's own clock may stray from the moment the pipeline reads it before the pipeline stops
 * believing it. Inside these bounds an event keeps its event time; outside, Flink's timestamp for it (metrics
 * windows, watermarks, the timestamps of the records the sinks write) is clamped to the nearest bound. The event
 * itself and its prediction keep the event time the camera sent.
 *
 * <p>Why: a camera whose clock says 2100 would push the watermark a century ahead and make every later event late,
 * so no metrics window would ever close again; a clock that says 1970 would put windows where nobody looks; and a
 * record stamped an hour ahead would be refused by the broker's {@code message.timestamp.after.max.ms} (one hour
 * by default) when a sink writes it, failing the job. The bounds are measured against the wall clock of the task
 * that reads the record, not against the record's Kafka timestamp, which the producer can set as wrongly as the
 * event time.
 *
 * @param maxPast   an event time older than arrival minus this is clamped up to it. Its prediction is written as any
 *                  other; but where a live stream shares the watermark, arrival minus this lies far behind it, so
 *                  the event's observations are late for the metrics windows and dropped (Flink counts them in the
 *                  metrics-windows operator's {@code numLateRecordsDropped})
 * @param maxFuture an event time later than arrival plus this is clamped down; keep it well under the broker's one
 *                  hour, since the sinks stamp records with it
 */
public record EventTimeBounds(Duration maxPast, Duration maxFuture) implements Serializable {

    /** Brokers refuse timestamps more than this ahead of their clock (Kafka's default {@code message.timestamp.after.max.ms}). */
    static final Duration BROKER_FUTURE_LIMIT = Duration.ofHours(1);

    public EventTimeBounds {
        if (maxPast.isNegative() || maxFuture.isNegative()) {
            throw new IllegalArgumentException("event-time bounds must not be negative, got past " + maxPast + ", future " + maxFuture);
        }
        if (maxPast.compareTo(Duration.ofDays(365)) > 0) {
            // Clamping works on epoch milliseconds: a bound of centuries would overflow them on every record.
            throw new IllegalArgumentException("event times may be trusted at most a year back, got " + maxPast);
        }
        if (maxFuture.compareTo(BROKER_FUTURE_LIMIT.dividedBy(2)) > 0) {
            throw new IllegalArgumentException("event times up to " + maxFuture + " ahead would be stamped on sink records, "
                    + "too close to the broker's limit of " + BROKER_FUTURE_LIMIT + "; allow at most 30 minutes");
        }
    }

    /** One hour back (a short outage's backlog keeps its times), one minute ahead (a camera clock a little fast). */
    public static EventTimeBounds defaults() {
        return new EventTimeBounds(Duration.ofHours(1), Duration.ofMinutes(1));
    }

    /** {@code eventTime} if within the bounds around {@code arrival}, else the bound it crossed. */
    public long clamp(long eventTime, long arrival) {
        long earliest = arrival - maxPast.toMillis();
        long latest = arrival + maxFuture.toMillis();
        return Math.max(earliest, Math.min(latest, eventTime));
    }
}
