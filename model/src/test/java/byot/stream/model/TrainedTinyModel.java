package byot.stream.model;

import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.InputShape;
import byot.stream.model.spec.ModelSpec;
import byot.stream.model.train.LrSchedule;
import byot.stream.model.train.SgdConfig;
import byot.stream.model.train.Trainer;

/** A small ResNet18 trained for a few steps on {@link TinyData}: varied confidences, cheap to make. */
public final class TrainedTinyModel {
    public static final ModelSpec SPEC = new ModelSpec(Architecture.RESNET18, new InputShape(1, 16, 16), 4, 0.125, 0.3f, 0.35f);

    private TrainedTinyModel() {
    }

    public static MultiExitModel make(int steps, long seed) {
        MultiExitModel model = MultiExitModel.create(SPEC, seed);
        TinyData data = new TinyData(64, 4, 1, 16, seed);
        Trainer trainer = new Trainer(model, DistillationConfig.defaults(TrainingMode.BYOT),
                new SgdConfig(0.05, 0.9, 5e-4, LrSchedule.CONSTANT, 0));
        for (int i = 0; i < steps; i++) {
            trainer.step(data.pixels, data.labels);
        }
        return model;
    }
}
