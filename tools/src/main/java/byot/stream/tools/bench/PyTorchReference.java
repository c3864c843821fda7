package byot.stream.tools.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the PyTorch reference training step (bench/pytorch/train_step.py) as a child process and reads its
 * throughput, so {@code bench model --pytorch} can time it in the same rounds as the Java engines.
 */
final class PyTorchReference {

    private static final Pattern RATE = Pattern.compile("\"imagesPerSecond\":\\s*([0-9.]+)");
    private static final long TIMEOUT_MINUTES = 10;

    private final List<String> command;

    PyTorchReference(String python, String script, int batch, int steps, int threads, double widthMult) {
        this.command = List.of(python, script, "--batch", Integer.toString(batch), "--steps", Integer.toString(steps),
                "--threads", Integer.toString(threads), "--width-mult", Double.toString(widthMult));
    }

    String commandLine() {
        return String.join(" ", command);
    }

    /** Images per second of one run of the script. */
    double run() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("PyTorch reference failed (" + commandLine() + "):\n" + output);
        }
        Matcher m = RATE.matcher(output);
        if (!m.find()) {
            throw new IOException("PyTorch reference printed no imagesPerSecond (" + commandLine() + "):\n" + output);
        }
        return Double.parseDouble(m.group(1));
    }
}
