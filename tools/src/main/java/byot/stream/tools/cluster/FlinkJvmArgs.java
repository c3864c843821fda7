package byot.stream.tools.cluster;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.bash.FlinkConfigLoader;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;
import org.apache.flink.util.FlinkException;

/**
 * The JVM flags and program arguments of a JobManager or TaskManager, derived from {@code conf/} the way Flink's
 * {@code jobmanager.sh}/{@code taskmanager.sh} derive them: they run {@code BashJavaUtils GET_JM_RESOURCE_PARAMS} /
 * {@code GET_TM_RESOURCE_PARAMS}, which print the memory flags ({@code -Xmx -Xms -XX:MaxDirectMemorySize
 * -XX:MaxMetaspaceSize}) and the resolved memory sizes as {@code -D} dynamic configs; the same Flink methods are
 * called here in-process. The scripts then add {@code env.java.default-opts.*} and {@code env.java.opts.*}.
 *
 * @param jvm     flags before the main class
 * @param dynamic {@code -D key=value} arguments after {@code --configDir}
 */
public record FlinkJvmArgs(List<String> jvm, List<String> dynamic) {

    public FlinkJvmArgs {
        jvm = List.copyOf(jvm);
        dynamic = List.copyOf(dynamic);
    }

    public static FlinkJvmArgs jobManager(Path confDir) throws FlinkException {
        Configuration conf = load(confDir);
        JobManagerProcessSpec spec = JobManagerProcessUtils.processSpecFromConfig(conf);
        return new FlinkJvmArgs(
                concat(split(JobManagerProcessUtils.generateJvmParametersStr(spec, conf)),
                        javaOpts(conf, CoreOptions.FLINK_DEFAULT_JM_JVM_OPTIONS, CoreOptions.FLINK_JM_JVM_OPTIONS)),
                split(JobManagerProcessUtils.generateDynamicConfigsStr(spec)));
    }

    public static FlinkJvmArgs taskManager(Path confDir) throws FlinkException {
        Configuration conf = load(confDir);
        TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(conf);
        return new FlinkJvmArgs(
                concat(split(ProcessMemoryUtils.generateJvmParametersStr(spec)),
                        javaOpts(conf, CoreOptions.FLINK_DEFAULT_TM_JVM_OPTIONS, CoreOptions.FLINK_TM_JVM_OPTIONS)),
                split(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec)));
    }

    private static Configuration load(Path confDir) throws FlinkException {
        return FlinkConfigLoader.loadConfiguration(new String[] {"--configDir", confDir.toString()});
    }

    /** config.sh's order: default opts for all, opts for all, then the role's default opts and opts. */
    private static List<String> javaOpts(Configuration conf, ConfigOption<String> roleDefault, ConfigOption<String> role) {
        List<String> out = new ArrayList<>();
        for (ConfigOption<String> o : List.of(CoreOptions.FLINK_DEFAULT_JVM_OPTIONS, CoreOptions.FLINK_JVM_OPTIONS, roleDefault, role)) {
            out.addAll(split(conf.get(o)));
        }
        return out;
    }

    /** Flink prints these as one space-separated line, and its scripts split them the same way. */
    private static List<String> split(String line) {
        return line == null || line.isBlank() ? List.of() : Arrays.asList(line.trim().split("\\s+"));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** The heap flag, for reports: {@code -Xmx...}. */
    public String maxHeap() {
        return jvm.stream().filter(f -> f.startsWith("-Xmx")).findFirst().orElse("");
    }
}
