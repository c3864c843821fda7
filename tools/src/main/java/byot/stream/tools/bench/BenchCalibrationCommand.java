package byot.stream.tools.bench;

import byot.stream.jobs.adapt.AdaptOptions;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.jobs.config.UsageException;
import byot.stream.model.MultiExitModel;
import byot.stream.model.data.ImageArrays;
import byot.stream.model.eval.EarlyExitOutcome;
import byot.stream.model.eval.ExitScores;
import byot.stream.model.exit.CalibratedExits;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.exit.ExitCalibrator;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.exit.ExitPolicy;
import byot.stream.model.io.ModelFile;
import byot.stream.tools.cli.Command;
import byot.stream.tools.train.DatasetChoice;
import byot.stream.tools.train.Json;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.configuration.Configuration;

/**
 * {@code byot bench calibration}: how well the stream learner's online threshold calibration
 * ({@link ExitCalibrator}, the job's {@code --exit-calibration-*} options) keeps its promise on events it has not
 * seen. Each repeat draws a window of labelled events at random from the split, calibrates on it exactly as the
 * learner does, and serves the rest of the split with the thresholds: the accuracy lost against the deepest exit on
 * those held-out events, and the MACs saved against full depth. Repeats and margins are reported as medians and
 * tails, the share of windows whose held-out loss exceeds the tolerance, and the command.
 */
public final class BenchCalibrationCommand implements Command {

    private final PrintStream out;
    private final PrintStream err;

    public BenchCalibrationCommand() {
        this(System.out, System.err);
    }

    BenchCalibrationCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public String name() {
        return "bench calibration";
    }

    @Override
    public String summary() {
        return "Held-out accuracy loss and MAC saving of the learner's online threshold calibration, per margin";
    }

    @Override
    public Options options() {
        return new Options()
                .required("model", "Model file (byot train, or the demo's out/demo/pretrained-*.byot)")
                .add("dataset", "fashion-mnist", "Data set: fashion-mnist, cifar10, cifar100")
                .add("data", null, "Directory with the data set files")
                .add("split", "test", "Images to draw windows from and hold out: test or train")
                .add(AdaptOptions.CRITERION)
                .add(AdaptOptions.EXIT_CALIBRATION_TOLERANCE)
                .add(AdaptOptions.EXIT_CALIBRATION_WINDOW)
                .add("margins", "0,0.5,1,1.5,2", "Comma-separated --exit-calibration-margin values to compare")
                .add("repeats", "200", "Random windows per margin (the same windows for every margin)")
                .add("seed", "1", "Seed of the window draws");
    }

    @Override
    public int run(Parsed args) throws Exception {
        MultiExitModel model = ModelFile.load(Path.of(args.get("model")));
        DatasetChoice dataset = DatasetChoice.fromId(args.get("dataset"));
        ImageArrays images = dataset.loadFor(model.spec(), args.optional("data").map(Path::of), args.get("split"));
        Configuration c = args.configuration();
        ExitCriterion criterion = ExitCriterion.fromId(AdaptOptions.CRITERION.get(c));
        double tolerance = AdaptOptions.EXIT_CALIBRATION_TOLERANCE.get(c);
        int window = AdaptOptions.EXIT_CALIBRATION_WINDOW.get(c);
        int repeats = args.getInt("repeats");
        double[] margins = args.getDoubles("margins");
        if (window >= images.size()) {
            throw new UsageException("--exit-calibration-window (" + window + ") leaves no held-out images of " + images.size());
        }
        if (repeats < 1) {
            throw new UsageException("--repeats must be at least 1, got " + repeats);
        }
        EarlyExitClassifier classifier = model.snapshot();
        err.println("scoring " + images.size() + " images at every exit...");
        ExitScores scores = ExitScores.compute(classifier, images, 256);
        double fullDepthMacs = classifier.fullDepthMacs();

        double[][] loss = new double[margins.length][repeats];
        double[][] saving = new double[margins.length][repeats];
        Random random = new Random(args.getInt("seed"));
        for (int r = 0; r < repeats; r++) {
            int[] order = shuffled(scores.size(), random);
            ExitScores calibration = scores.subset(Arrays.copyOfRange(order, 0, window));
            ExitScores heldOut = scores.subset(Arrays.copyOfRange(order, window, order.length));
            for (int m = 0; m < margins.length; m++) {
                ExitCalibrator calibrator = new ExitCalibrator(criterion, tolerance, margins[m], window, scores.exits());
                for (int i = 0; i < window; i++) {
                    calibrator.add(calibration.sample(i), calibration.label(i));
                }
                // Any valid threshold will do for an exit the calibration finds no cut for: it is not trusted.
                ExitCalibrator.Result result = calibrator.calibrate(new boolean[scores.exits() - 1], new double[scores.exits() - 1]);
                EarlyExitOutcome served = heldOut.simulate(served(criterion, result));
                loss[m][r] = 100 * (heldOut.accuracy(scores.exits() - 1) - served.accuracy());
                saving[m][r] = fullDepthMacs / served.macsPerSample();
            }
        }

        Map<String, Object> perMargin = new LinkedHashMap<>();
        for (int m = 0; m < margins.length; m++) {
            Map<String, Object> row = new LinkedHashMap<>();
            double[] l = loss[m].clone();
            double[] s = saving[m].clone();
            Arrays.sort(l);
            Arrays.sort(s);
            long over = Arrays.stream(l).filter(x -> x > 100 * tolerance + 1e-9).count();
            row.put("heldOutLossPpMedian", round(quantile(l, 0.5)));
            row.put("heldOutLossPpP90", round(quantile(l, 0.9)));
            row.put("heldOutLossPpMax", round(l[l.length - 1]));
            row.put("windowsOverTolerance", round((double) over / repeats));
            row.put("macSpeedUpMedian", round(quantile(s, 0.5)));
            row.put("macSpeedUpP10", round(quantile(s, 0.1)));
            perMargin.put(String.valueOf(margins[m]), row);
            err.printf("margin %.2f: held-out loss median %.2f pp, p90 %.2f, max %.2f; over %.1f pp in %d of %d windows;"
                            + " MACs %.2fx fewer than full depth (median; p10 %.2fx)%n", margins[m], quantile(l, 0.5),
                    quantile(l, 0.9), l[l.length - 1], 100 * tolerance, over, repeats, quantile(s, 0.5), quantile(s, 0.1));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", model.spec().summary());
        result.put("images", scores.size());
        result.put("deepestExitAccuracy", round(scores.accuracy(scores.exits() - 1)));
        result.put("perMargin", perMargin);
        result.put("command", CommandLine.everyOption("./byot bench calibration", options(), args));
        out.println(Json.line(result));
        return 0;
    }

    /**
     * The policy inference serves with a calibration, as the job publishes it: the cuts found, and the exits without
     * one not trusted, so they answer nothing ({@link ExitPolicy#calibrated}).
     */
    static ExitPolicy served(ExitCriterion criterion, ExitCalibrator.Result result) {
        return ExitPolicy.uniform(criterion, 0, result.thresholds().length + 1)
                .calibrated(new CalibratedExits(criterion, result.thresholds(), result.feasible()));
    }

    private static int[] shuffled(int n, Random random) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, random);
        return order.stream().mapToInt(Integer::intValue).toArray();
    }

    private static double quantile(double[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }

    private static double round(double x) {
        return Math.round(x * 1000) / 1000.0;
    }
}
