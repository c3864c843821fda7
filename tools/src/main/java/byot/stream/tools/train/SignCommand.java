package byot.stream.tools.train;

import byot.stream.connectors.signing.DetachedSignature;
import byot.stream.connectors.signing.ModelKey;
import byot.stream.tools.cli.Command;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.model.io.ModelFile;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code byot sign}: writes {@code MODEL.sig}, the HMAC-SHA-256 of a model file under a key file, which
 * {@code byot run --model-key} requires of {@code --initial-model}; {@code --verify} checks one instead.
 */
public final class SignCommand implements Command {

    private final PrintStream out;

    public SignCommand() {
        this(System.out);
    }

    SignCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public String name() {
        return "sign";
    }

    @Override
    public String summary() {
        return "Sign a model file with a key file (writes MODEL.sig for byot run --model-key), or verify a signature";
    }

    @Override
    public Options options() {
        return new Options()
                .required("model-key", "Key file, at least 32 bytes (" + ModelKey.HOW_TO_MAKE_ONE + ")")
                .required("model", "Model file; the signature is MODEL.sig beside it")
                .flag("verify", "Check MODEL.sig against the model and key instead of writing it");
    }

    @Override
    public int run(Parsed args) throws Exception {
        ModelKey key = ModelKey.read(Path.of(args.get("model-key")));
        Path model = Path.of(args.get("model"));
        if (args.flag("verify")) {
            DetachedSignature.readVerified(model, key);
            out.println(DetachedSignature.pathOf(model) + ": signature verifies");
            return 0;
        }
        // Only a file that decodes gets a signature: a corrupt file signed would be trusted later.
        ModelFile.fromBytes(Files.readAllBytes(model));
        out.println("wrote " + DetachedSignature.sign(model, key));
        return 0;
    }
}
