package byot.stream.tools.cluster;

import byot.stream.jobs.config.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** The cluster's lib/ classpath, as the cluster-lib module's build writes it. */
public final class ClusterClasspath {
    /** Relative to the project root, where {@code ./byot} runs from. */
    public static final String DEFAULT_FILE = "cluster-lib/target/classpath.txt";
    private static final String BUILD_HINT = "build it with: mvn -B -pl cluster-lib package";

    private ClusterClasspath() {
    }

    public static String read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new UsageException("no cluster classpath at " + file + "; " + BUILD_HINT);
        }
        String cp = Files.readString(file).trim();
        String[] jars = cp.split(java.io.File.pathSeparator);
        if (cp.isEmpty() || Arrays.stream(jars).noneMatch(j -> j.contains("flink-runtime-web"))) {
            throw new UsageException(file + " is not the cluster's classpath (no flink-runtime-web); " + BUILD_HINT);
        }
        for (String jar : jars) {
            if (!Files.exists(Path.of(jar))) {
                throw new UsageException(file + " names " + jar + ", which is gone; " + BUILD_HINT);
            }
        }
        return cp;
    }
}
