package byot.stream.jobs.adapt;

import byot.stream.connectors.kafka.LatestModelReader;
import byot.stream.model.MultiExitModel;
import byot.stream.model.io.ModelFile;
import byot.stream.model.io.ModelFormatException;

/**
 * The model a start without restored state begins with. Consumers of the models topic take a version only if it is
 * newer than the one they serve, so a fresh start must continue the topic's version line instead of restarting at
 * the initial model's version: it resumes the newest published model, weights and version, and its first
 * publication is one version above it.
 *
 * <p>The topic's weights are taken only when they are authenticated (a {@code --model-key} verified the record):
 * without a key anyone who can write the topic would choose what is served after a restart. They are also refused
 * when they hold NaN or infinite values. In those cases, and when the user chose the weights ({@code --initial-model})
 * or the topic's model is another network, the configured weights are kept and only the version number continues.
 *
 * @param model what the learner and inference start from (a model file)
 * @param note  one line for the user: where the model and its version came from
 */
public record StartingModel(byte[] model, String note) {

    /**
     * @param configured   the model of {@code --initial-model}, or a fresh one from {@code --arch}
     * @param chosenByUser whether {@code configured} came from {@code --initial-model}
     * @param newest       the tail of the models topic
     * @param authenticated whether {@code newest} was read with a model key, so its signature verified
     */
    public static StartingModel continueLine(byte[] configured, boolean chosenByUser, LatestModelReader.Result newest,
                                             boolean authenticated) throws ModelFormatException {
        MultiExitModel own = ModelFile.fromBytes(configured);
        String ownName = chosenByUser ? "--initial-model" : "a fresh " + own.spec().summary();
        if (newest instanceof LatestModelReader.Result.Empty empty) {
            return new StartingModel(configured, "no model on " + empty.topic() + " yet: starting from " + ownName
                    + " at version " + own.version());
        }
        if (newest instanceof LatestModelReader.Result.Undecodable bad) {
            return new StartingModel(configured, "WARNING: no record on the models topic decodes (the newest, " + bad.where()
                    + ": " + bad.error().getMessage() + "): starting from " + ownName + " at version "
                    + own.version() + "; versions on the topic may go down");
        }
        LatestModelReader.Result.Found found = (LatestModelReader.Result.Found) newest;
        StartingModel start = continueFound(own, ownName, chosenByUser, found, authenticated);
        if (found.skipped() == 0) {
            return start;
        }
        return new StartingModel(start.model(), "WARNING: stepped over " + found.skipped() + " newer record(s) on the models"
                + " topic that do not decode (the newest, " + found.newestSkipped().where() + ": "
                + found.newestSkipped().error().getMessage() + "); " + start.note());
    }

    private static StartingModel continueFound(MultiExitModel own, String ownName, boolean chosenByUser,
                                               LatestModelReader.Result.Found found, boolean authenticated) {
        long topicVersion = found.update().modelVersion();
        if (chosenByUser) {
            return continueNumber(own, topicVersion, ownName, "the weights of --initial-model were asked for");
        }
        if (!authenticated) {
            return continueNumber(own, topicVersion, ownName, "the models topic is not signed (--model-key), so its weights"
                    + " are not taken");
        }
        MultiExitModel published;
        try {
            published = ModelFile.fromBytes(found.update().payload());
        } catch (ModelFormatException e) {
            // The record decoded, so its version number is trustworthy even though its weights are not usable.
            return continueNumber(own, topicVersion, ownName, found.where() + " holds no readable model file (" + e.getMessage() + ")");
        }
        if (!published.spec().equals(own.spec())) {
            return continueNumber(own, topicVersion, ownName, found.where() + " holds another network ("
                    + published.spec().summary() + ")");
        }
        if (published.parameters().firstNonFinite().isPresent()) {
            return continueNumber(own, topicVersion, ownName, found.where() + " holds NaN or infinite weights");
        }
        published.setVersion(Math.max(published.version(), topicVersion));
        return new StartingModel(ModelFile.toBytes(published, false), "continuing from model version " + published.version()
                + " on " + found.where() + " (its weights; optimizer state starts afresh)");
    }

    /**
     * The model handed to a job that restores a savepoint: the learner takes it instead of the savepoint's only when
     * its version is higher, which the topic's newest is only after a {@code byot rollback} (or a job that published
     * past the savepoint). Only an authenticated, usable model of the same network is handed over; otherwise
     * {@code restoring}, whose version no savepoint is below.
     */
    public static StartingModel forRestore(StartingModel restoring, LatestModelReader.Result newest) throws ModelFormatException {
        if (!(newest instanceof LatestModelReader.Result.Found found)) {
            return restoring;
        }
        MultiExitModel own = ModelFile.fromBytes(restoring.model());
        MultiExitModel published;
        try {
            published = ModelFile.fromBytes(found.update().payload());
        } catch (ModelFormatException e) {
            return restoring;
        }
        if (!published.spec().equals(own.spec()) || published.parameters().firstNonFinite().isPresent()) {
            return restoring;
        }
        published.setVersion(Math.max(published.version(), found.update().modelVersion()));
        return new StartingModel(ModelFile.toBytes(published, false), restoring.note() + "; the learner takes version "
                + published.version() + " on " + found.where() + " instead if it is newer than the savepoint's model");
    }

    private static StartingModel continueNumber(MultiExitModel own, long topicVersion, String ownName, String why) {
        if (own.version() < topicVersion) {
            own.setVersion(topicVersion);
        }
        return new StartingModel(ModelFile.toBytes(own, false), "starting from " + ownName + " (" + why
                + "), numbered from version " + own.version() + " so versions on the models topic keep growing");
    }
}
