package byot.stream.tools.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second start in the same cluster directory (cluster stop keeps log/) used to append to the .out, so the broker's
 * address was read from the first start's line: a dead port, handed to every job submitted afterwards.
 */
class JvmLauncherTest {

    @Test
    void eachLaunchStartsItsOutputFileAfresh(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("log").resolve("probe.out");
        for (String property : new String[] {"-Dfirst=1", "-Dsecond=2"}) {
            ClusterProcess p = JvmLauncher.start("probe", List.of(property, "-version"), Map.of(), dir.resolve("probe.log"), out);
            var running = p.handle();   // empty once it has exited, which java -version may do at once
            if (running.isPresent()) {
                running.get().onExit().get(60, TimeUnit.SECONDS);
            }
        }
        List<String> lines = Files.readAllLines(out);
        assertThat(lines.get(0)).as("the command line first").startsWith("# ").contains("-Dsecond=2");
        assertThat(lines).filteredOn(l -> l.startsWith("# ")).hasSize(1);
        assertThat(String.join("\n", lines)).doesNotContain("-Dfirst=1").contains("version");
    }
}
