package byot.stream.tools.train;

import byot.stream.tools.cli.Command;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.jobs.config.UsageException;
import byot.stream.model.MultiExitModel;
import byot.stream.model.data.ImageArrays;
import byot.stream.model.eval.Calibration;
import byot.stream.model.eval.EarlyExitOutcome;
import byot.stream.model.eval.ExitScores;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.exit.ExitPolicy;
import byot.stream.model.io.ModelFile;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code byot eval}: per-exit and ensemble accuracy, a sweep of early-exit thresholds with measured
 * throughput, and a calibrated threshold. Calibration picks thresholds on the first half of the test
 * split and reports them on the second half, so the reported accuracy is not fitted to itself.
 */
public final class EvalCommand implements Command {

    private final PrintStream out;
    private final PrintStream err;

    public EvalCommand() {
        this(System.out, System.err);
    }

    EvalCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public String name() {
        return "eval";
    }

    @Override
    public String summary() {
        return "Evaluate a model: per-exit accuracy, threshold sweep with measured throughput, calibration";
    }

    @Override
    public Options options() {
        return new Options()
                .required("model", "Model file written by byot train")
                .add("dataset", "fashion-mnist", "Data set: fashion-mnist, cifar10, cifar100")
                .add("data", null, "Directory with the data set files")
                .add("criterion", "max-softmax", "Exit criterion: max-softmax or entropy")
                .add("sweep-thresholds", null, "Comma-separated thresholds to sweep (default: a built-in grid); not the per-exit --thresholds of byot run")
                .add("max-drop", "0.003", "Calibration: allowed accuracy drop below full depth on the calibration half (0.003 = 0.3 pp, leaving room for the held-out half)")
                .add("target-accuracy", null, "Calibration: absolute accuracy to meet instead of --max-drop")
                .add("batch-size", "64", "Batch size for the timed early-exit runs")
                .add("timing-images", "2048", "Images per timed pass")
                .add("timing-rounds", "5", "Interleaved timing rounds; figures are medians over rounds")
                .flag("regroup", "Time early exit with the samples that stay regrouped across batches into full batches at each later stage (throughput over a backlog; default: each batch on its own, as a stream sees it)")
                .add("split", "test", "Which images to score: test, or train (the training images, un-augmented: with test,"
                        + " the generalisation gap)")
                .add("limit", null, "Evaluate on only the first N images of the split");
    }

    @Override
    public int run(Parsed args) throws Exception {
        // Every number checked before the model and data load and the scoring run, not after them.
        int batchSize = args.getPositiveInt("batch-size");
        int timingImages = args.getPositiveInt("timing-images");
        int rounds = args.getPositiveInt("timing-rounds");
        if (args.has("target-accuracy")) {
            args.getDouble("target-accuracy");
        }
        MultiExitModel model = ModelFile.load(Path.of(args.get("model")));
        DatasetChoice dataset = DatasetChoice.fromId(args.get("dataset"));
        String split = args.get("split");
        if (!split.equals("test") && !split.equals("train")) {
            throw new UsageException("--split must be test or train, got " + split);
        }
        ImageArrays test = TrainCommand.limit(dataset.loadFor(model.spec(), args.optional("data").map(Path::of), split), args,
                "limit");
        ExitCriterion criterion = ExitCriterion.fromId(args.get("criterion"));
        double[] thresholds = args.has("sweep-thresholds") ? args.getDoubles("sweep-thresholds") : Calibration.grid(criterion);
        EarlyExitClassifier classifier = model.snapshot();
        int exits = classifier.exits();

        err.println("scoring " + test.size() + " " + split + " images at every exit...");
        ExitScores scores = ExitScores.compute(classifier, test, 256);
        List<EarlyExitOutcome> sweep = new ArrayList<>();
        for (double t : thresholds) {
            sweep.add(scores.simulate(ExitPolicy.uniform(criterion, t, exits)));
        }
        Optional<HeldOut> calibrated = calibrate(args, scores, criterion);

        List<ExitPolicy> timed = new ArrayList<>();
        sweep.forEach(o -> timed.add(o.policy()));
        calibrated.ifPresent(c -> timed.add(c.outcome().policy()));
        boolean regroup = args.flag("regroup");
        ThroughputProbe probe = new ThroughputProbe(test, batchSize, timingImages, regroup);
        err.printf("timing full depth and %d policies at batch %d%s in %d interleaved rounds...%n",
                timed.size(), args.getInt("batch-size"), regroup ? " (survivors regrouped)" : "", rounds);
        ThroughputProbe.Timings timings = probe.compare(classifier, timed, rounds,
                r -> err.printf("  round %d/%d done%n", r, rounds));

        out.printf("%-10s %10s %14s%n", "exit", "accuracy", "MACs/sample");
        List<Double> perExit = new ArrayList<>();
        for (int e = 0; e < exits; e++) {
            perExit.add(Json.round(scores.accuracy(e)));
            out.printf("%-10s %9.2f%% %,14d%n", "exit " + (e + 1), 100 * scores.accuracy(e), classifier.macsToExit(e));
        }
        out.printf("%-10s %9.2f%%%n%n", "ensemble", 100 * scores.ensembleAccuracy());

        out.printf("%-10s %9s %7s %-28s %12s %10s %8s%n", "threshold", "accuracy", "depth", "exit histogram", "MACs/sample",
                "img/s", "speedup");
        List<Map<String, Object>> sweepJson = new ArrayList<>();
        for (int i = 0; i < sweep.size(); i++) {
            EarlyExitOutcome o = sweep.get(i);
            out.printf("%-10s %8.2f%% %7.2f %-28s %,12.0f %10.0f %7.2fx%n", thresholds[i], 100 * o.accuracy(), o.meanDepth(),
                    Arrays.toString(o.histogram()), o.macsPerSample(), timings.rates()[i], timings.speedups()[i]);
            sweepJson.add(outcome(o, timings.rates()[i], timings.speedups()[i]));
        }
        out.printf("%-10s %8.2f%% %7.2f %-28s %,12d %10.0f %7.2fx%n", "full", 100 * scores.accuracy(exits - 1), (double) exits,
                "-", classifier.fullDepthMacs(), timings.fullDepthRate(), 1.0);
        out.printf("(img/s: medians of %d interleaved rounds of %d images, %s; speedup: median of per-round ratios)%n%n",
                timings.rounds(), timings.imagesPerPass(), regroup ? "survivors regrouped across batches" : "each batch on its own");

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", args.get("model"));
        result.put("modelVersion", model.version());
        result.put("split", split);
        // Kept under its old name for the test split; the training split's count is named for what it is.
        result.put(split.equals("test") ? "testImages" : "trainImages", test.size());
        result.put("exitAccuracy", perExit);
        result.put("ensembleAccuracy", Json.round(scores.ensembleAccuracy()));
        result.put("macsToExit", macs(classifier));
        result.put("fullDepthImagesPerSecond", Math.round(timings.fullDepthRate()));
        result.put("batchSize", args.getInt("batch-size"));
        result.put("survivors", regroup ? "regrouped" : "per-batch");
        result.put("timingRounds", timings.rounds());
        result.put("timingImages", timings.imagesPerPass());
        result.put("sweep", sweepJson);
        calibrated.ifPresent(c -> {
            int i = timed.size() - 1;
            result.put("calibrated", report(c, scores.size(), timings.rates()[i], timings.speedups()[i]));
        });
        out.println(Json.line(result));
        return 0;
    }

    /** Thresholds fitted on the first half of the test split, and what they do on the second half. */
    private record HeldOut(EarlyExitOutcome outcome, int half, double fullDepthAccuracy) {
    }

    private Optional<HeldOut> calibrate(Parsed args, ExitScores scores, ExitCriterion criterion) {
        int half = scores.size() / 2;
        if (half < 100) {
            err.println("calibration skipped: needs at least 200 test images");
            return Optional.empty();
        }
        ExitScores fit = scores.slice(0, half);
        ExitScores check = scores.slice(half, scores.size());
        double target = args.has("target-accuracy") ? args.getDouble("target-accuracy")
                : fit.accuracy(fit.exits() - 1) - args.getDouble("max-drop");
        Optional<EarlyExitOutcome> chosen = Calibration.forTargetAccuracy(fit, target, criterion);
        if (chosen.isEmpty()) {
            out.printf("calibration: no threshold reaches accuracy %.4f%n", target);
            return Optional.empty();
        }
        return Optional.of(new HeldOut(check.simulate(chosen.get().policy()), half, check.accuracy(check.exits() - 1)));
    }

    private Map<String, Object> report(HeldOut c, int size, double rate, double speedup) {
        EarlyExitOutcome held = c.outcome();
        out.printf("calibrated %s on test[0:%d]: held-out test[%d:%d] accuracy %.2f%% (full depth %.2f%%), "
                        + "mean depth %.2f, %s, %.0f img/s = %.2fx full depth%n",
                held.policy(), c.half(), c.half(), size, 100 * held.accuracy(), 100 * c.fullDepthAccuracy(),
                held.meanDepth(), Arrays.toString(held.histogram()), rate, speedup);
        Map<String, Object> m = outcome(held, rate, speedup);
        m.put("thresholds", held.policy().thresholds());
        m.put("criterion", held.policy().criterion().name().toLowerCase());
        m.put("fullDepthAccuracy", Json.round(c.fullDepthAccuracy()));
        return m;
    }

    private static Map<String, Object> outcome(EarlyExitOutcome o, double rate, double speedup) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("policy", o.policy().toString());
        m.put("accuracy", Json.round(o.accuracy()));
        m.put("meanDepth", Json.round(o.meanDepth()));
        m.put("histogram", o.histogram());
        m.put("macsPerSample", Math.round(o.macsPerSample()));
        m.put("imagesPerSecond", Math.round(rate));
        m.put("speedup", Json.round(speedup));
        return m;
    }

    private static List<Long> macs(EarlyExitClassifier c) {
        List<Long> m = new ArrayList<>();
        for (int e = 0; e < c.exits(); e++) {
            m.add(c.macsToExit(e));
        }
        return m;
    }
}
