package byot.stream.jobs.operators.drift;

import byot.stream.connectors.format.DriftAlarm;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.model.MultiExitModel;
import byot.stream.model.eval.ExitScores;
import byot.stream.model.exit.CalibratedExits;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.exit.ExitCalibrator;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.exit.ExitPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.SimpleCounter;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the learner does about drift, in one place, so the learner itself only calls in at a few points:
 * detection on the prequential scores ({@link DriftMonitor}), which shallow exits inference may trust
 * ({@link ExitTrust}), the thresholds published with each version ({@link ExitCalibrator}), and the stronger
 * adaptation regime while drift is active (extra steps, replay favouring events seen since the alarm).
 *
 * <p>Calibration needs every exit's confidence on labelled events as inference computes them, which the training
 * pass does not give (it runs in training mode and yields class predictions only). So this keeps an inference
 * snapshot of the version last published and runs the new labelled events of each step through all its exits
 * before the step: about a forward pass of one micro-batch per step.
 *
 * <p>Detection and trust watch the same served answers, not the training pass's: the training pass normalises with
 * the statistics of its own batch, half of it new events, which hides a shift of the input's distribution (noise,
 * exposure) that the served version, normalising with its running statistics, answers badly. On Fashion-MNIST with
 * Gaussian noise the training pass stayed at 0.80-0.85 while served accuracy fell to 0.60, and no alarm came.
 */
public final class DriftAwareness implements AutoCloseable {

    /** Detector name of the alarms raised when the images move to another intensity domain ({@link InputAligner}). */
    public static final String INPUT_DOMAIN = "input-domain";

    /** Events seen since the latest alarm kept for the drift regime's replay (the newest ones). */
    static final int RECENT_CAPACITY = 512;

    private final DriftConfig config;
    private final ExitCriterion criterion;
    private final DriftMonitor monitor;
    private final ExitTrust trust;
    private final ExitCalibrator calibrator;
    private final List<ImageEvent> recent = new ArrayList<>();
    private final long seed;
    private double[] thresholds;
    private boolean calibrated;
    private EarlyExitClassifier served;
    /** Exits the served version got right on the events of the coming step, by event id (filled by beforeStep). */
    private final Map<String, boolean[]> servedRight = new HashMap<>();
    private Counter alarms = new SimpleCounter();

    /**
     * @param served the policy inference starts with (its criterion and flag thresholds)
     * @param exits  the model's exit count
     */
    public DriftAwareness(DriftConfig config, ExitPolicy served, int exits, long seed) {
        this.config = config;
        this.criterion = served.criterion();
        this.seed = seed;
        DriftConfig.Calibration c = config.calibration();
        monitor = new DriftMonitor(config, exits);
        trust = new ExitTrust(exits, c.window(), c.recentEvents(), config.trustDrop(), c.minEvents());
        calibrator = new ExitCalibrator(criterion, c.tolerance(), c.margin(), c.window(), exits);
        thresholds = served.thresholds();
        for (int e = 0; e < thresholds.length; e++) {
            if (!Double.isFinite(thresholds[e])) {   // a full-depth policy: the calibration starts from "hardly ever"
                thresholds[e] = criterion == ExitCriterion.MAX_SOFTMAX ? 1.0 : 0.0;
            }
        }
    }

    /** Counts each alarm in {@code counter} (the operator's metric; {@link #active()} is its gauge's value). */
    public void countAlarmsIn(Counter counter) {
        alarms = counter;
    }

    /**
     * After a restore: starts from the thresholds and trust the learner last published ({@code null}: none, e.g.
     * calibration was still warming up), so that what it publishes next keeps them until its window, which a
     * checkpoint does not hold, has refilled, instead of falling back to the flags' thresholds and trusting every exit.
     */
    public void resume(CalibratedExits published) {
        if (published == null || published.criterion() != criterion || published.thresholds().length != thresholds.length) {
            return;
        }
        thresholds = published.thresholds().clone();
        calibrated = true;
        trust.resume(published.trusted());
    }

    /** The learner published {@code model}: inference will serve it, so detection and calibration now score with it. */
    public void published(MultiExitModel model) {
        if (!config.calibration().enabled() && !config.detects()) {
            return;
        }
        EarlyExitClassifier previous = served;
        served = model.snapshot();
        if (previous != null) {
            previous.close();
        }
    }

    /** An inference snapshot of the version last published, kept while detection or calibration runs. */
    public Optional<EarlyExitClassifier> served() {
        return Optional.ofNullable(served);
    }

    /**
     * The labelled events of the coming step, before it moves the weights: scored by the served version for detection
     * and calibration.
     *
     * @param pixels the events as the model's input; asked for only when detection or calibration runs
     */
    public void beforeStep(List<ImageEvent> events, java.util.function.Function<List<ImageEvent>, INDArray> pixels) {
        servedRight.clear();
        if (served == null || events.isEmpty()) {
            return;
        }
        float[][][] byExit;
        try (INDArray input = pixels.apply(events)) {
            byExit = served.exitProbabilities(input);
        }
        for (int i = 0; i < events.size(); i++) {
            float[][] perExit = new float[byExit.length][];
            boolean[] right = new boolean[byExit.length];
            for (int e = 0; e < byExit.length; e++) {
                perExit[e] = byExit[e][i];
                right[e] = EarlyExitClassifier.argmax(perExit[e]) == events.get(i).label();
            }
            servedRight.put(events.get(i).id(), right);
            if (config.calibration().enabled()) {
                calibrator.add(perExit, events.get(i).label());
            }
        }
    }

    /**
     * One labelled event's prequential score, in stream order: the served version's answers where {@link #beforeStep}
     * scored the event, else the training pass's ({@code trainingRight[exit]}).
     *
     * @return the alarm this score sets off, if any
     */
    public Optional<DriftAlarm> scored(ImageEvent event, boolean[] trainingRight, long modelVersion) {
        boolean[] right = servedRight.getOrDefault(event.id(), trainingRight);
        trust.add(right);
        Optional<int[]> fired = monitor.add(right);
        if (fired.isEmpty()) {
            return Optional.empty();
        }
        alarms.inc();
        int[] untrusted = trust.onAlarm();
        calibrator.reset();
        recent.clear();
        return Optional.of(new DriftAlarm(event.id(), event.eventTimeMillis(), monitor.labelled(), modelVersion,
                config.detector().id(), fired.get(), untrusted));
    }

    /**
     * The input aligner found images of a new intensity domain, the last of them {@code event}: an alarm of detector
     * {@value #INPUT_DOMAIN} naming every exit (the input of all of them moved) and distrusting none (the error
     * detectors go on watching the answers, mapped or not). Counted with the error detectors' alarms.
     */
    public DriftAlarm inputShifted(ImageEvent event, long modelVersion, int exits) {
        alarms.inc();
        return new DriftAlarm(event.id(), event.eventTimeMillis(), monitor.labelled(), modelVersion, INPUT_DOMAIN,
                java.util.stream.IntStream.rangeClosed(1, exits).toArray(), new int[0]);
    }

    public boolean active() {
        return monitor.active();
    }

    /** Extra optimisation steps to take after a regular one. */
    public int extraSteps() {
        return active() ? config.regime().extraSteps() : 0;
    }

    /**
     * The replayed part of a batch, {@code slots} events: while drift is active a share of them comes from the
     * events seen since the alarm, the rest from the reservoir ({@code reservoir.apply(k)} samples k). A different
     * {@code salt} draws a different sample at the same point of the stream.
     */
    public List<ImageEvent> replay(int slots, long salt, IntFunction<List<ImageEvent>> reservoir) {
        int fromRecent = active() ? (int) Math.min(recent.size(), Math.round(slots * config.regime().recentShare())) : 0;
        List<ImageEvent> out = new ArrayList<>(slots);
        if (fromRecent > 0) {
            SplittableRandom random = new SplittableRandom(seed ^ (monitor.labelled() * 0x9E3779B97F4A7C15L) ^ salt);
            for (int i = 0; i < fromRecent; i++) {
                out.add(recent.get(random.nextInt(recent.size())));
            }
        }
        out.addAll(reservoir.apply(slots - fromRecent));
        return out;
    }

    /** The step's new events were learned from; while drift is active they join the recent events. */
    public void learned(List<ImageEvent> events) {
        if (!active()) {
            return;
        }
        recent.addAll(events);
        if (recent.size() > RECENT_CAPACITY) {
            recent.subList(0, recent.size() - RECENT_CAPACITY).clear();
        }
    }

    /**
     * What to publish with the next version: the calibrated thresholds and trust, or {@code null} while there is
     * nothing to say (calibration off or still warming up, and every exit trusted).
     */
    public CalibratedExits calibration() {
        return calibrate(null);
    }

    /**
     * As {@link #calibration()}, the thresholds also holding on the version's own outputs on held-out events: the
     * window was scored by the versions served before this one (the newest of them up to a publication interval
     * behind), and a version trained since may be surer at its shallow exits than they were. Where the held-out
     * events are at least {@code exit-calibration-min-events}, each exit answers only where both calibrations let
     * it, at the stricter threshold (docs/architecture.md, online calibration).
     *
     * @param heldOut every exit's softmax of the version to be published on the held-out events, with their classes
     */
    public CalibratedExits calibration(ExitScores heldOut) {
        return calibrate(java.util.Objects.requireNonNull(heldOut, "heldOut"));
    }

    /** @param heldOut {@code null}: the window's calibration alone */
    private CalibratedExits calibrate(ExitScores heldOut) {
        boolean[] trusted = trust.trusted();
        DriftConfig.Calibration c = config.calibration();
        if (c.enabled() && calibrator.size() >= c.minEvents()) {
            boolean[] skip = new boolean[trusted.length];
            for (int e = 0; e < skip.length; e++) {
                skip[e] = !trusted[e];
            }
            ExitCalibrator.Result result = calibrator.calibrate(skip, thresholds);
            if (heldOut != null && heldOut.size() >= c.minEvents()) {
                ExitCalibrator own = new ExitCalibrator(criterion, c.tolerance(), c.margin(), heldOut.size(), trusted.length + 1);
                for (int i = 0; i < heldOut.size(); i++) {
                    own.add(heldOut.sample(i), heldOut.label(i));
                }
                result = result.stricter(own.calibrate(skip, thresholds), criterion);
            }
            thresholds = result.thresholds();
            calibrated = true;
            for (int e = 0; e < trusted.length; e++) {
                trusted[e] &= result.feasible()[e];
            }
        } else if (!calibrated && trust.allTrusted()) {
            return null;
        }
        return new CalibratedExits(criterion, thresholds, trusted);
    }

    /** Drift alarms raised so far. */
    public long alarms() {
        return alarms.getCount();
    }

    @Override
    public void close() {
        if (served != null) {
            served.close();
            served = null;
        }
    }
}
