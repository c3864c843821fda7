package byot.stream.tools.bench;

import byot.stream.tools.cli.Command;
import byot.stream.jobs.config.ModelOptions;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.jobs.config.UsageException;
import byot.stream.tools.train.Json;
import byot.stream.model.MultiExitModel;
import byot.stream.model.engine.EagerTrainingStep;
import byot.stream.model.engine.OpProfile;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.exit.ExitPolicy;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.HeadDesign;
import byot.stream.model.spec.ModelSpec;
import byot.stream.model.train.LrSchedule;
import byot.stream.model.train.SgdConfig;
import byot.stream.model.train.Trainer;
import byot.stream.model.train.TrainingEngine;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.flink.configuration.Configuration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code byot bench model}: training and inference throughput of one architecture, printed as one JSON line.
 * Inputs are random pixels: throughput does not depend on what the images show, only on their shape.
 */
public final class BenchModelCommand implements Command {

    private final PrintStream out;
    private final PrintStream err;

    public BenchModelCommand() {
        this(System.out, System.err);
    }

    BenchModelCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public String name() {
        return "bench model";
    }

    @Override
    public String summary() {
        return "Train and inference throughput (img/s) per mode, batch size and exit depth, as one JSON line";
    }

    @Override
    public Options options() {
        return ModelOptions.declare(new Options())
                .add("train-batches", "64,128", "Batch sizes for training throughput")
                .add("modes", "byot,baseline", "Training modes to time")
                .add("infer-batches", "1,64", "Batch sizes for inference throughput")
                .add("steps", "6", "Timed training steps per configuration (after 3 warm-up steps)")
                .add("infer-images", "1024", "Images per timed inference run")
                .add("threshold", "0.9", "Max-softmax threshold of the early-exit run")
                .add("engines", "auto", "Training engines to time, comma-separated: auto, graph (SameDiff), eager")
                .add("rounds", "3", "Rounds per training configuration, each timing every engine in turn; medians are reported")
                .add("pytorch", "", "PyTorch reference script timed in the same rounds (byot mode, resnet18 with bottleneck heads only), "
                        + "e.g. bench/pytorch/train_step.py")
                .add("python", "/usr/bin/python3", "Interpreter for --pytorch")
                .add("profile-steps", "0", "Forward-backward passes of the eager engine to time op by op (byot mode, "
                        + "largest training batch); 0: none");
    }

    @Override
    public int run(Parsed args) throws Exception {
        Configuration model = args.configuration();
        ModelSpec spec = ModelOptions.fashionMnistSpec(model);
        long seed = ModelOptions.SEED.get(model);
        int steps = args.getInt("steps");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("arch", spec.architecture().id());
        result.put("widthMult", spec.widthMultiplier());
        result.put("input", spec.input().toString());

        Map<String, Object> train = new LinkedHashMap<>();
        Map<String, Object> trainRounds = new LinkedHashMap<>();
        List<TrainingEngine> engines = Arrays.stream(args.get("engines").split(",")).map(TrainingEngine::fromId).toList();
        int rounds = args.getInt("rounds");
        String script = args.get("pytorch");
        for (String modeId : args.get("modes").split(",")) {
            TrainingMode mode = TrainingMode.fromId(modeId);
            for (int batch : batchSizes(args, "train-batches")) {
                INDArray pixels = randomPixels(batch, spec, seed);
                int[] labels = new SplittableRandom(seed).ints(batch, 0, spec.numClasses()).toArray();
                Map<String, Trainer> trainers = new LinkedHashMap<>();
                for (TrainingEngine engine : engines) {
                    Trainer trainer = new Trainer(MultiExitModel.create(spec, seed), DistillationConfig.defaults(mode),
                            new SgdConfig(0.01, 0.9, 5e-4, LrSchedule.CONSTANT, 0), engine);
                    for (int i = 0; i < 3; i++) {
                        trainer.step(pixels, labels);
                    }
                    trainers.put(engines.size() == 1 ? "" : "/" + trainer.engine().id(), trainer);
                }
                PyTorchReference torch = script.isEmpty() || mode != TrainingMode.BYOT
                        || spec.architecture() != Architecture.RESNET18 || spec.heads() != HeadDesign.BOTTLENECK ? null
                        : new PyTorchReference(args.get("python"), script, batch, steps, ompThreads(), spec.widthMultiplier());
                Map<String, List<Double>> rates = new LinkedHashMap<>();
                for (int r = 0; r < rounds; r++) {
                    for (Map.Entry<String, Trainer> e : trainers.entrySet()) {
                        long start = System.nanoTime();
                        for (int i = 0; i < steps; i++) {
                            e.getValue().step(pixels, labels);
                        }
                        double rate = (double) steps * batch / ((System.nanoTime() - start) / 1e9);
                        rates.computeIfAbsent(mode.id() + "@" + batch + e.getKey(), k -> new ArrayList<>()).add(rate);
                    }
                    if (torch != null) {
                        rates.computeIfAbsent(mode.id() + "@" + batch + "/pytorch", k -> new ArrayList<>()).add(torch.run());
                    }
                }
                rates.forEach((key, values) -> {
                    double median = median(values);
                    err.printf("train %-22s: median %.0f img/s over %d round(s) %s%n", key, median, values.size(), values);
                    train.put(key, Math.round(median * 10) / 10.0);
                    trainRounds.put(key, values.stream().map(v -> Math.round(v * 10) / 10.0).toList());
                });
                if (torch != null) {
                    double reference = median(rates.get(mode.id() + "@" + batch + "/pytorch"));
                    for (String key : trainers.keySet()) {
                        double ratio = median(rates.get(mode.id() + "@" + batch + key)) / reference;
                        train.put(mode.id() + "@" + batch + key + " vs pytorch", Math.round(ratio * 1000) / 1000.0);
                    }
                    result.put("pytorchCommand", torch.commandLine());
                }
            }
        }
        result.put("trainImagesPerSecond", train);
        result.put("trainImagesPerSecondByRound", trainRounds);
        int profileSteps = args.getInt("profile-steps");
        if (profileSteps > 0) {
            int batch = batchSizes(args, "train-batches").stream().mapToInt(Integer::intValue).max().orElse(128);
            result.put("eagerProfileMsPerStep", profile(spec, seed, batch, profileSteps));
        }

        EarlyExitClassifier classifier = MultiExitModel.create(spec, seed).snapshot();
        int exits = classifier.exits();
        Map<String, Object> infer = new LinkedHashMap<>();
        for (int batch : batchSizes(args, "infer-batches")) {
            int batches = Math.max(1, args.getInt("infer-images") / batch);
            INDArray pixels = randomPixels(batch, spec, seed + 1);
            for (int depth = 1; depth <= exits; depth++) {
                double rate = time(classifier, pixels, forcedExit(depth, exits), batches);
                infer.put("exit" + depth + "@" + batch, Math.round(rate));
            }
            double full = timeFullDepth(classifier, pixels, batches);
            infer.put("fullDepth@" + batch, Math.round(full));
            double early = time(classifier, pixels, ExitPolicy.uniform(ExitCriterion.MAX_SOFTMAX, args.getDouble("threshold"), exits), batches);
            infer.put("earlyExit@" + batch, Math.round(early));
            err.printf("inference batch %3d: full depth %.0f img/s, early exit %.0f img/s%n", batch, full, early);
        }
        result.put("inferImagesPerSecond", infer);
        long[] macs = new long[exits];
        for (int e = 0; e < exits; e++) {
            macs[e] = classifier.macsToExit(e);
        }
        result.put("macsToExit", macs);
        result.put("fullDepthMacs", classifier.fullDepthMacs());
        result.put("weights", MultiExitModel.create(spec, seed).parameters().weightCount());
        result.put("ompThreads", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        result.put("cores", Runtime.getRuntime().availableProcessors());
        result.put("nd4j", Nd4j.getExecutioner().getEnvironmentInformation().get("backend"));
        result.put("command", CommandLine.everyOption("./byot bench model", options(), args));
        out.println(Json.line(result));
        return 0;
    }

    /** Milliseconds per forward-backward pass spent in each kind of op of the eager engine, largest first. */
    private Map<String, Object> profile(ModelSpec spec, long seed, int batch, int passes) {
        MultiExitModel model = MultiExitModel.create(spec, seed);
        OpProfile profile = new OpProfile();
        EagerTrainingStep step = new EagerTrainingStep(spec, model.parameters(), DistillationConfig.defaults(TrainingMode.BYOT), profile);
        INDArray pixels = randomPixels(batch, spec, seed);
        INDArray labels = Nd4j.zeros(batch, spec.numClasses());
        int[] classes = new SplittableRandom(seed).ints(batch, 0, spec.numClasses()).toArray();
        for (int i = 0; i < batch; i++) {
            labels.putScalar(i, classes[i], 1f);
        }
        for (int i = 0; i < 3; i++) {
            step.forwardBackward(pixels, labels, 0.3, 0.03, null);
        }
        profile.reset();
        long start = System.nanoTime();
        for (int i = 0; i < passes; i++) {
            step.forwardBackward(pixels, labels, 0.3, 0.03, null);
        }
        double total = (System.nanoTime() - start) / 1e6 / passes;
        Map<String, Object> ms = new LinkedHashMap<>();
        ms.put("total", Math.round(total * 10) / 10.0);
        profile.totals().entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
                .forEach(e -> ms.put(e.getKey(), Math.round(e.getValue()[0] / 1e5 / passes) / 10.0));
        err.printf("eager profile, batch %d, ms per pass: %s%n", batch, ms);
        step.release();
        return ms;
    }

    /** A policy under which every sample leaves at {@code depth}: earlier exits never pass, that one always does. */
    static ExitPolicy forcedExit(int depth, int exits) {
        double[] t = new double[exits - 1];
        Arrays.fill(t, Double.POSITIVE_INFINITY);
        if (depth - 1 < t.length) {
            t[depth - 1] = 0; // every max-softmax is >= 0 (ExitPolicy refuses negative thresholds)
        }
        return new ExitPolicy(ExitCriterion.MAX_SOFTMAX, t);
    }

    private static double time(EarlyExitClassifier c, INDArray pixels, ExitPolicy policy, int batches) {
        c.classify(pixels, policy);
        long start = System.nanoTime();
        for (int i = 0; i < batches; i++) {
            c.classify(pixels, policy);
        }
        return (double) batches * pixels.size(0) / ((System.nanoTime() - start) / 1e9);
    }

    private static double timeFullDepth(EarlyExitClassifier c, INDArray pixels, int batches) {
        c.fullDepth(pixels);
        long start = System.nanoTime();
        for (int i = 0; i < batches; i++) {
            c.fullDepth(pixels);
        }
        return (double) batches * pixels.size(0) / ((System.nanoTime() - start) / 1e9);
    }

    static INDArray randomPixels(int n, ModelSpec spec, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] data = new float[n * spec.input().pixels()];
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextInt(256);
        }
        return Nd4j.create(data, new long[] {n, spec.input().channels(), spec.input().height(), spec.input().width()}, 'c');
    }

    /** Batch sizes of a comma-separated option; "" is none. */
    static List<Integer> batchSizes(Parsed args, String name) {
        List<Integer> sizes = Arrays.stream(args.getInts(name)).boxed().toList();
        if (sizes.stream().anyMatch(b -> b < 1)) {
            throw new UsageException("option --" + name + " takes batch sizes of at least 1, got '" + args.get(name) + "'");
        }
        return sizes;
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The threads ND4J's OpenMP uses, which the PyTorch reference is given too. */
    private static int ompThreads() {
        String env = System.getenv("OMP_NUM_THREADS");
        return env == null || env.isBlank() ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(env.trim());
    }
}
