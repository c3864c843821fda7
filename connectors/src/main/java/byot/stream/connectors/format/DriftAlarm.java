package byot.stream.connectors.format;

import java.util.Objects;

/**
 * A drift alarm of the learner, reported in the {@link MetricsWindow} of its event time (field {@code driftAlarms},
 * see docs/formats.md). Raised while scoring labelled events prequentially, when a change detector finds that an
 * exit's error has risen, or when the images move to another intensity domain (detector {@code input-domain}).
 *
 * @param eventId        id of the event that set the alarm off (labelled, except for {@code input-domain})
 * @param eventTime      that event's event time (epoch ms, as the image carried it)
 * @param labelledEvents labelled events the learner had scored when the alarm went off, this one included; 0 only for
 *                       an {@code input-domain} alarm that came before any labelled event
 * @param modelVersion   the learner's last published version, the one that scored the event
 * @param detector       {@code adwin}, {@code page-hinkley}, {@code ddm}, or {@code input-domain}
 * @param exits          1-based exits whose detector fired on this event ({@code input-domain}: every exit)
 * @param untrustedExits 1-based shallow exits that inference stops answering at until they are recalibrated
 */
public record DriftAlarm(String eventId, long eventTime, long labelledEvents, long modelVersion, String detector, int[] exits,
                         int[] untrustedExits) {

    public DriftAlarm {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(detector, "detector");
        Objects.requireNonNull(exits, "exits");
        Objects.requireNonNull(untrustedExits, "untrustedExits");
        if (exits.length == 0) {
            throw new IllegalArgumentException("a drift alarm names at least one exit");
        }
        if (labelledEvents < 0) {
            throw new IllegalArgumentException("labelledEvents must be >= 0, got " + labelledEvents);
        }
    }
}
