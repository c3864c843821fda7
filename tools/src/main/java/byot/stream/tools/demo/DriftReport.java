package byot.stream.tools.demo;

import byot.stream.connectors.format.DriftAlarm;
import byot.stream.connectors.format.MetricsWindow;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's drift section: where the learner's drift alarms (from the metrics windows) fell in the replayed
 * stream, relative to the domain shift. An alarm's position is the index of the labelled event that set it off.
 */
final class DriftReport {

    private final List<DriftAlarm> alarms;
    private final long shiftAfter;
    private final ReplayPositions positions;

    DriftReport(List<MetricsWindow> windows, ReplayPositions positions, long shiftAfter) {
        this.positions = positions;
        this.alarms = windows.stream().flatMap(w -> w.driftAlarms().stream())
                .sorted(Comparator.comparingLong(DriftAlarm::labelledEvents)).toList();
        this.shiftAfter = shiftAfter;
    }

    /** Position in the replay of the labelled event that set the alarm off; -1 for an id not of the replay. */
    long position(DriftAlarm alarm) {
        return positions.of(alarm.eventId());
    }

    List<DriftAlarm> alarms() {
        return alarms;
    }

    /** The report.json section {@code drift}. */
    Map<String, Object> toMap() {
        List<Long> at = alarms.stream().map(this::position).toList();
        List<Long> relative = at.stream().map(i -> i - shiftAfter).toList();
        long before = at.stream().filter(i -> i < shiftAfter).count();
        Long firstAfter = at.stream().filter(i -> i >= shiftAfter).findFirst().map(i -> i - shiftAfter).orElse(null);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("detectedAtEvents", at);
        out.put("eventsAfterShift", relative);
        out.put("alarmsBeforeShift", before);
        out.put("firstAlarmEventsAfterShift", firstAfter);
        out.put("detector", alarms.isEmpty() ? null : alarms.get(0).detector());
        List<Map<String, Object>> details = new ArrayList<>();
        for (DriftAlarm a : alarms) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("eventIndex", position(a));
            d.put("detector", a.detector());
            d.put("labelledEvents", a.labelledEvents());
            d.put("modelVersion", a.modelVersion());
            d.put("exits", a.exits());
            d.put("untrustedExits", a.untrustedExits());
            details.add(d);
        }
        out.put("alarms", details);
        out.put("summary", summary(firstAfter, before));
        return out;
    }

    private String summary(Long firstAfter, long before) {
        String first = firstAfter == null ? "no alarm after the shift at " + shiftAfter
                : "first alarm " + firstAfter + " events after the shift at " + shiftAfter;
        return first + "; " + (before == 0 ? "none before it" : before + " before it (false alarms)");
    }
}
