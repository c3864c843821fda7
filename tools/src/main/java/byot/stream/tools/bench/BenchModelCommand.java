package byot.stream.tools.bench;

import byot.stream.tools.cli.Command;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.tools.train.Json;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.exit.ExitPolicy;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import byot.stream.model.train.LrSchedule;
import byot.stream.model.train.SgdConfig;
import byot.stream.model.train.Trainer;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
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
        return new Options()
                .add("arch", "resnet18", "Backbone")
                .add("width-mult", "0.25", "Width multiplier")
                .add("train-batches", "64,128", "Batch sizes for training throughput")
                .add("modes", "byot,baseline", "Training modes to time")
                .add("infer-batches", "1,64", "Batch sizes for inference throughput")
                .add("steps", "6", "Timed training steps per configuration (after 3 warm-up steps)")
                .add("infer-images", "1024", "Images per timed inference run")
                .add("threshold", "0.9", "Max-softmax threshold of the early-exit run")
                .add("seed", "0", "Seed of the random weights and pixels");
    }

    @Override
    public int run(Parsed args) throws Exception {
        ModelSpec spec = ModelSpec.fashionMnist(Architecture.fromId(args.get("arch")), args.getDouble("width-mult"));
        long seed = args.getLong("seed");
        int steps = args.getInt("steps");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("arch", spec.architecture().id());
        result.put("widthMult", spec.widthMultiplier());
        result.put("input", spec.input().toString());

        Map<String, Object> train = new LinkedHashMap<>();
        for (String modeId : args.get("modes").split(",")) {
            TrainingMode mode = TrainingMode.fromId(modeId);
            for (int batch : ints(args.get("train-batches"))) {
                MultiExitModel model = MultiExitModel.create(spec, seed);
                Trainer trainer = new Trainer(model, DistillationConfig.defaults(mode), new SgdConfig(0.01, 0.9, 5e-4, LrSchedule.CONSTANT, 0));
                INDArray pixels = randomPixels(batch, spec, seed);
                int[] labels = new SplittableRandom(seed).ints(batch, 0, spec.numClasses()).toArray();
                for (int i = 0; i < 3; i++) {
                    trainer.step(pixels, labels);
                }
                long start = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    trainer.step(pixels, labels);
                }
                double rate = (double) steps * batch / ((System.nanoTime() - start) / 1e9);
                err.printf("train %-8s batch %3d: %.0f img/s%n", mode.id(), batch, rate);
                train.put(mode.id() + "@" + batch, Math.round(rate * 10) / 10.0);
            }
        }
        result.put("trainImagesPerSecond", train);

        EarlyExitClassifier classifier = MultiExitModel.create(spec, seed).snapshot();
        int exits = classifier.exits();
        Map<String, Object> infer = new LinkedHashMap<>();
        for (int batch : ints(args.get("infer-batches"))) {
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
        out.println(Json.line(result));
        return 0;
    }

    /** A policy under which every sample leaves at {@code depth}: earlier exits never pass, that one always does. */
    static ExitPolicy forcedExit(int depth, int exits) {
        double[] t = new double[exits - 1];
        Arrays.fill(t, Double.POSITIVE_INFINITY);
        if (depth - 1 < t.length) {
            t[depth - 1] = Double.NEGATIVE_INFINITY;
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

    private static INDArray randomPixels(int n, ModelSpec spec, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] data = new float[n * spec.input().pixels()];
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextInt(256);
        }
        return Nd4j.create(data, new long[] {n, spec.input().channels(), spec.input().height(), spec.input().width()}, 'c');
    }

    private static List<Integer> ints(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).map(Integer::parseInt).toList();
    }
}
