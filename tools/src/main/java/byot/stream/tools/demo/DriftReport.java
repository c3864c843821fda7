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

    DriftReport(List<MetricsWindow> windows, long shiftAfter) {
        this.alarms = windows.stream().flatMap(w -> w.driftAlarms().stream())
                .sorted(Comparator.comparingLong(DriftAlarm::labelledEvents)).toList();
        this.shiftAfter = shiftAfter;
    }

    /** Position of an event in the replay: ids are {@code <split>-<index>-<loop>}; -1 for other ids. */
    static long index(String eventId) {
        String[] parts = eventId.split("-");
        try {
            return parts.length >= 3 ? Long.parseLong(parts[parts.length - 2]) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    List<DriftAlarm> alarms() {
        return alarms;
    }

    /** The report.json section {@code drift}. */
    Map<String, Object> toMap() {
        List<Long> at = alarms.stream().map(a -> index(a.eventId())).toList();
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
            d.put("eventIndex", index(a.eventId()));
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
