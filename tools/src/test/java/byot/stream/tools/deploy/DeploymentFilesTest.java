package byot.stream.tools.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.tools.cluster.FlinkConfigFile;
import byot.stream.jobs.operators.PipelineMetrics;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.yaml.snakeyaml.Yaml;

/**
 * The deployment files under docker/ cannot run here (no Docker, no Kubernetes), so this checks what can be
 * checked without them: every file parses, every referenced file exists, ports and addresses agree between the
 * files, versions match the poms, the classes named exist, and every metric the dashboard queries is one an
 * operator registers.
 */
class DeploymentFilesTest {

    private static final String OPERATOR_METRIC_PREFIX = "flink_taskmanager_job_task_operator_";

    private static Path root;
    private static Path docker;
    private static Map<String, Object> compose;
    private static Map<String, Object> k8s;
    private static Map<String, String> composeFlinkConf;
    private static Map<String, String> poms;

    @BeforeAll
    static void load() throws Exception {
        root = repositoryRoot();
        docker = root.resolve("docker");
        compose = yaml(docker.resolve("docker-compose.yml"));
        k8s = yamlDocuments(docker.resolve("k8s/flink-deployment.yaml")).stream()
                .filter(d -> "FlinkDeployment".equals(d.get("kind"))).findFirst().orElseThrow();
        composeFlinkConf = flinkProperties(string(service("jobmanager"), "environment", "FLINK_PROPERTIES"));
        poms = pomProperties(root.resolve("pom.xml"));
    }

    @Test
    void everyYamlAndJsonFileParses() throws IOException {
        List<Path> files;
        try (var walk = Files.walk(docker)) {
            files = walk.filter(Files::isRegularFile).filter(p -> p.toString().matches(".*\\.(ya?ml|json)")).toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(6);
        for (Path f : files) {
            if (f.toString().endsWith(".json")) {
                assertThat(new ObjectMapper().readTree(f.toFile()).isObject()).as(f.toString()).isTrue();
            } else {
                assertThat(yamlDocuments(f)).as(f.toString()).isNotEmpty();
            }
        }
    }

    @Test
    void everyFileTheComposeFileAndDockerfileReferToExists() throws IOException {
        for (var entry : services().entrySet()) {
            Map<String, Object> svc = map(entry.getValue());
            if (svc.get("build") instanceof Map<?, ?> build) {
                Path context = docker.resolve((String) build.get("context")).normalize();
                assertThat(context.resolve((String) build.get("dockerfile"))).as(entry.getKey() + " dockerfile").isRegularFile();
                assertThat(context).isEqualTo(root);
            }
            for (Object v : list(svc.get("volumes"))) {
                String source = ((String) v).split(":")[0];
                if (source.startsWith(".")) {
                    assertThat(docker.resolve(source).normalize()).as(entry.getKey() + " mounts " + source).exists();
                }
            }
        }
        Matcher copy = Pattern.compile("(?m)^COPY (?!--from)(\\S+) ").matcher(dockerfile());
        int copies = 0;
        while (copy.find()) {
            assertThat(root.resolve(copy.group(1))).as("COPY " + copy.group(1)).exists();
            copies++;
        }
        assertThat(copies).isGreaterThanOrEqualTo(4);
    }

    @Test
    void grafanaProvisioningFindsTheDashboardAndPrometheus() throws IOException {
        Map<String, Object> grafana = service("grafana");
        Map<String, String> mounts = mounts(grafana);
        String provider = string(yaml(docker.resolve("grafana/provisioning/dashboards/byot.yml")), "providers", "0", "options", "path");
        assertThat(mounts).containsKey(provider);
        assertThat(docker.resolve(mounts.get(provider)).resolve("byot.json")).isRegularFile();
        assertThat(mounts.get("/etc/grafana/provisioning")).isEqualTo("./grafana/provisioning");

        Map<String, Object> datasource = yaml(docker.resolve("grafana/provisioning/datasources/prometheus.yml"));
        String url = string(datasource, "datasources", "0", "url");
        Matcher m = Pattern.compile("http://([\\w-]+):(\\d+)").matcher(url);
        assertThat(m.matches()).as(url).isTrue();
        assertThat(services()).containsKey(m.group(1));
        assertThat(containerPorts(service(m.group(1)))).contains(m.group(2));
        assertThat(string(datasource, "datasources", "0", "uid")).isEqualTo(dashboard().at("/panels/0/datasource/uid").asText());
        assertThat(mounts(service("prometheus"))).containsEntry("/etc/prometheus/prometheus.yml", "./prometheus/prometheus.yml");
    }

    @Test
    void prometheusScrapesTheReporterPortOfEveryFlinkProcess() throws IOException {
        Map<String, Object> scrape = map(list(yaml(docker.resolve("prometheus/prometheus.yml")).get("scrape_configs")).get(0));
        Map<String, Object> dns = map(list(scrape.get("dns_sd_configs")).get(0));
        String reporterPort = composeFlinkConf.get("metrics.reporter.prom.port");
        assertThat(String.valueOf(dns.get("port"))).isEqualTo(reporterPort);
        assertThat(composeFlinkConf).containsEntry("metrics.reporter.prom.factory.class",
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        Set<String> flinkServices = new LinkedHashSet<>();
        services().forEach((name, svc) -> {
            Object command = map(svc).get("command");
            String first = command instanceof List<?> l && !l.isEmpty() ? String.valueOf(l.get(0)) : String.valueOf(command);
            if (first.equals("jobmanager") || first.equals("taskmanager")) {
                flinkServices.add(name);
            }
        });
        assertThat(flinkServices).containsExactlyInAnyOrderElementsOf(list(dns.get("names")).stream().map(String::valueOf).toList());

        Map<String, Object> conf = map(map(k8s.get("spec")).get("flinkConfiguration"));
        assertThat(String.valueOf(conf.get("metrics.reporter.prom.port"))).isEqualTo(reporterPort);
        assertThat(conf.get("metrics.reporter.prom.factory.class")).isEqualTo(composeFlinkConf.get("metrics.reporter.prom.factory.class"));
        assertThat(string(k8s, "spec", "podTemplate", "spec", "containers", "0", "ports", "0", "containerPort")).isEqualTo(reporterPort);
    }

    @Test
    void theJobReachesKafkaWhereTheBrokerAdvertisesItself() {
        Map<String, Object> kafka = service("kafka");
        String advertised = string(kafka, "environment", "KAFKA_ADVERTISED_LISTENERS");
        String internal = advertised.split(",")[0].replaceFirst("^\\w+://", "");
        assertThat(internal.split(":")[0]).isEqualTo(string(kafka, "hostname"));
        assertThat(string(kafka, "environment", "KAFKA_LISTENERS")).contains(":" + internal.split(":")[1]);

        assertThat(flag(args(service("submit").get("entrypoint")), "--bootstrap-servers")).isEqualTo(internal);
        assertThat(flag(args(service("topics").get("command")), "--bootstrap-servers")).isEqualTo(internal);
        assertThat(flag(args(map(map(k8s.get("spec")).get("job")).get("args")), "--bootstrap-servers")).isEqualTo(internal);
    }

    @Test
    void imagesAndVersionsMatchThePoms() throws Exception {
        String flink = poms.get("flink.version");
        String kafka = poms.get("kafka.version");
        assertThat(dockerfile()).contains("ARG FLINK_IMAGE=flink:" + flink + "-java17").contains("FROM ${FLINK_IMAGE}");
        assertThat(string(service("kafka"), "image")).isEqualTo("apache/kafka:" + kafka);
        String[] majorMinor = flink.split("\\.");
        assertThat(string(k8s, "spec", "flinkVersion")).isEqualTo("v" + majorMinor[0] + "_" + majorMinor[1]);

        String version = pomProperty(root.resolve("pom.xml"), "version");
        String jobImage = string(service("jobmanager"), "image");
        assertThat(jobImage).isEqualTo("byot-stream:" + version.replace("-SNAPSHOT", ""));
        assertThat(string(k8s, "spec", "image")).isEqualTo(string(service("taskmanager-gpu"), "image")).startsWith(jobImage);
    }

    @Test
    void theJobJarAndItsClassesAreWhereTheFilesSay() throws Exception {
        Document jobsPom = xml(root.resolve("jobs/pom.xml"));
        String artifactId = directChild(jobsPom.getDocumentElement(), "artifactId");
        String classifier = jobsPom.getElementsByTagName("shadedClassifierName").item(0).getTextContent();
        assertThat(dockerfile()).contains("cp jobs/target/" + artifactId + "-*-" + classifier + ".jar /out/usrlib/byot-jobs.jar")
                .contains("cp jobs/target/flink-lib/*.jar /out/lib/")
                .contains("COPY --from=build --chown=flink:flink /out/lib/ /opt/flink/lib/")
                .contains("COPY --from=build --chown=flink:flink /out/usrlib/ /opt/flink/usrlib/");

        List<String> submit = args(service("submit").get("entrypoint"));
        Class.forName(flag(submit, "--class"));
        assertThat(submit).contains("/opt/flink/usrlib/byot-jobs.jar");
        Map<String, Object> job = map(map(k8s.get("spec")).get("job"));
        Class.forName((String) job.get("entryClass"));
        assertThat(job.get("jarURI")).isEqualTo("local:///opt/flink/usrlib/byot-jobs.jar");
        List<String> topics = args(service("topics").get("entrypoint"));
        Class.forName(topics.get(topics.size() - 1));
        // The tools ride apart from the job jar, which holds the job alone.
        assertThat(String.join(" ", topics)).contains("/opt/flink/lib/*:/opt/byot/tools/*");
        assertThat(dockerfile()).contains("cp tools/target/byot-tools-*.jar /out/tools/")
                .contains("COPY --from=build --chown=flink:flink /out/tools/ /opt/byot/tools/");
        assertThat(jobsPom.getElementsByTagName("mainClass").item(0).getTextContent()).isEqualTo(flag(submit, "--class"));
    }

    @Test
    void taskManagersRunTheLowPauseCollectorTheLocalClusterUses() {
        assertThat(composeFlinkConf).containsEntry("env.java.opts.taskmanager", FlinkConfigFile.LOW_PAUSE_GC);
        assertThat(map(map(k8s.get("spec")).get("flinkConfiguration"))).containsEntry("env.java.opts.taskmanager", FlinkConfigFile.LOW_PAUSE_GC);
    }

    @Test
    void nd4jIsInFlinksLibAndNotInTheJobJar() throws Exception {
        String patterns = "org.nd4j.;org.deeplearning4j.;org.bytedeco.";
        assertThat(composeFlinkConf).containsEntry("classloader.parent-first-patterns.additional", patterns);
        assertThat(map(map(k8s.get("spec")).get("flinkConfiguration"))).containsEntry("classloader.parent-first-patterns.additional", patterns);

        Document jobsPom = xml(root.resolve("jobs/pom.xml"));
        Set<String> libGroups = new LinkedHashSet<>();
        Set<String> libArtifacts = new LinkedHashSet<>();
        NodeList groups = jobsPom.getElementsByTagName("includeGroupIds");
        for (int i = 0; i < groups.getLength(); i++) {
            libGroups.addAll(List.of(groups.item(i).getTextContent().trim().split("\\s*,\\s*")));
        }
        NodeList artifacts = jobsPom.getElementsByTagName("includeArtifactIds");
        for (int i = 0; i < artifacts.getLength(); i++) {
            libArtifacts.addAll(List.of(artifacts.item(i).getTextContent().trim().split("\\s*,\\s*")));
        }
        assertThat(libGroups).contains("org.nd4j", "org.bytedeco");
        Element shade = (Element) ((Element) jobsPom.getElementsByTagName("artifactSet").item(0)).getElementsByTagName("includes").item(0);
        NodeList shaded = shade.getElementsByTagName("include");
        assertThat(shaded.getLength()).isPositive();
        for (int i = 0; i < shaded.getLength(); i++) {
            String[] ga = shaded.item(i).getTextContent().trim().split(":");
            assertThat(libGroups).as("shaded into the job jar and copied to lib/: " + ga[0]).doesNotContain(ga[0]);
            assertThat(libArtifacts).as("shaded into the job jar and copied to lib/: " + ga[1]).doesNotContain(ga[1]);
        }
    }

    @Test
    void checkpointsAndSavepointsAreConfiguredWhereTheJobWritesThem() throws IOException {
        Map<String, Object> spec = map(k8s.get("spec"));
        Map<String, Object> conf = map(spec.get("flinkConfiguration"));
        Map<String, Object> job = map(spec.get("job"));
        assertThat(job.get("upgradeMode")).isEqualTo("savepoint");
        assertThat(conf).containsKeys("state.checkpoints.dir", "state.savepoints.dir", "execution.checkpointing.interval");
        // Checkpointing belongs to the cluster: the job takes directory and interval from its configuration, so the
        // job's arguments must not set them (they would win over the cluster's, and the two could drift apart).
        List<String> k8sArgs = args(job.get("args"));
        List<String> submit = args(service("submit").get("entrypoint"));
        List<String> secureSubmit = args(map(map(yaml(root.resolve("docker/docker-compose.secure.yml")).get("services")).get("submit")).get("entrypoint"));
        for (List<String> jobArgs : List.of(k8sArgs, submit, secureSubmit)) {
            assertThat(jobArgs).doesNotContain("--checkpoint-dir", "--checkpoint-interval-ms");
        }
        assertThat(composeFlinkConf).containsKeys("state.checkpoints.dir", "execution.checkpointing.interval");
        String volume = "flink-data:/flink-data";
        for (String s : List.of("jobmanager", "taskmanager", "taskmanager-gpu")) {
            assertThat(args(service(s).get("volumes"))).as(s).contains(volume);
        }
        assertThat(composeFlinkConf.get("state.checkpoints.dir")).startsWith("file:///flink-data/");
        assertThat(dockerfile()).contains("mkdir -p /flink-data/checkpoints /flink-data/savepoints && chown -R flink:flink /flink-data");
    }

    @Test
    void gpuTaskManagersGetAGpuAndFlinksGpuResource() {
        Map<String, Object> spec = map(k8s.get("spec"));
        assertThat(string(spec, "taskManager", "podTemplate", "spec", "containers", "0", "resources", "limits", "nvidia.com/gpu")).isEqualTo("1");
        Map<String, Object> conf = map(spec.get("flinkConfiguration"));
        assertThat(conf).containsEntry("external-resources", "gpu")
                .containsEntry("external-resource.gpu.driver-factory.class", "org.apache.flink.externalresource.gpu.GPUDriverFactory")
                .containsEntry("external-resource.gpu.kubernetes.config-key", "nvidia.com/gpu");

        Map<String, Object> gpu = service("taskmanager-gpu");
        assertThat(args(gpu.get("profiles"))).containsExactly("gpu");
        assertThat(args(gpu.get("command"))).contains("-Dexternal-resources=gpu",
                "-Dexternal-resource.gpu.driver-factory.class=org.apache.flink.externalresource.gpu.GPUDriverFactory");
        assertThat(string(gpu, "deploy", "resources", "reservations", "devices", "0", "driver")).isEqualTo("nvidia");
        assertThat(string(gpu, "build", "args", "MAVEN_PROFILES")).contains("cuda");
    }

    @Test
    void everyMetricTheDashboardQueriesIsOneAnOperatorRegisters() throws Exception {
        Map<String, String> constants = new HashMap<>();
        for (Field f : PipelineMetrics.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                constants.put((String) f.get(null), f.getName());
            }
        }
        // Operator names as set in AdaptPipeline, as Flink's Prometheus reporter writes them in label operator_name.
        String pipeline = Files.readString(root.resolve("jobs/src/main/java/byot/stream/jobs/adapt/AdaptPipeline.java"));
        Map<String, String> sourceOf = new LinkedHashMap<>();
        sourceOf.put("early-exit", "EarlyExitOperator");
        sourceOf.put("fine-tune", "FineTuneOperator");
        sourceOf.put("route", "DeadLetterRouter");
        // Classes an operator hands some of its metrics to, registered on its metric group.
        Map<String, String> helpersOf = Map.of("FineTuneOperator", "LearnerTime");
        Map<String, String> operatorSource = new HashMap<>();
        for (var e : sourceOf.entrySet()) {
            assertThat(pipeline).contains("\"" + e.getKey() + "\"").contains("new " + e.getValue() + "(");
            String source = Files.readString(root.resolve("jobs/src/main/java/byot/stream/jobs/operators/" + e.getValue() + ".java"));
            String helper = helpersOf.get(e.getValue());
            if (helper != null) {
                assertThat(source).contains("new " + helper + "(");
                source += Files.readString(root.resolve("jobs/src/main/java/byot/stream/jobs/operators/" + helper + ".java"));
            }
            operatorSource.put(e.getKey().replaceAll("[^a-zA-Z0-9:_]", "_"), source);
        }

        Pattern query = Pattern.compile(OPERATOR_METRIC_PREFIX + "(\\w+)\\{([^}]*)}");
        int checked = 0;
        for (JsonNode panel : dashboard().get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                Matcher m = query.matcher(target.get("expr").asText());
                while (m.find()) {
                    String metric = m.group(1);
                    Matcher op = Pattern.compile("operator_name=\"([^\"]+)\"").matcher(m.group(2));
                    assertThat(op.find()).as("%s in panel '%s' names its operator", metric, panel.get("title").asText()).isTrue();
                    String source = operatorSource.get(op.group(1));
                    assertThat(source).as("operator_name %s is an operator of AdaptPipeline", op.group(1)).isNotNull();
                    boolean inExitGroup = metric.startsWith(PipelineMetrics.EXIT_GROUP + "_");
                    String name = inExitGroup ? metric.substring(PipelineMetrics.EXIT_GROUP.length() + 1) : metric;
                    assertThat(inExitGroup ? PipelineMetrics.EXIT_METRICS : PipelineMetrics.OPERATOR_METRICS)
                            .as("dashboard panel '%s' queries %s", panel.get("title").asText(), metric).contains(name);
                    assertThat(source).as("%s registers %s", op.group(1), metric).contains("PipelineMetrics." + constants.get(name));
                    if (inExitGroup) {
                        assertThat(source).contains("addGroup(PipelineMetrics.EXIT_GROUP");
                    }
                    checked++;
                }
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(10);
    }

    @Test
    void theDashboardShowsWhatTheIssueAsksFor() throws IOException {
        String all = dashboard().toString();
        assertThat(all).contains(OPERATOR_METRIC_PREFIX + "exit_predictions", OPERATOR_METRIC_PREFIX + "exit_recentAccuracy",
                OPERATOR_METRIC_PREFIX + "modelVersion", OPERATOR_METRIC_PREFIX + "latencyMs", "rate(" + OPERATOR_METRIC_PREFIX + "predictions");
    }

    @Test
    void everyPublishedPortIsBoundToLoopbackOnly() {
        // Kafka without authentication, Flink's REST API (jar upload and run) and Grafana's default login must not
        // be reachable from other machines; "9094:9094" would publish on every interface of the host.
        int published = 0;
        for (var entry : services().entrySet()) {
            for (Object port : list(map(entry.getValue()).get("ports"))) {
                assertThat(String.valueOf(port)).as(entry.getKey() + " publishes " + port).matches("127\\.0\\.0\\.1:\\d+:\\d+");
                published++;
            }
        }
        assertThat(published).isEqualTo(4);
    }

    // --- helpers (package-private ones are shared with SecureComposeFileTest) ---

    static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        return Files.exists(dir.resolve("docker")) ? dir : dir.getParent(); // surefire runs in jobs/
    }

    private static String dockerfile() throws IOException {
        return Files.readString(docker.resolve("Dockerfile"));
    }

    private static JsonNode dashboard() throws IOException {
        return new ObjectMapper().readTree(docker.resolve("grafana/dashboards/byot.json").toFile());
    }

    /** SnakeYAML rather than Jackson's YAML reader: the compose file uses anchors and merge keys. */
    static Map<String, Object> yaml(Path file) throws IOException {
        return yamlDocuments(file).get(0);
    }

    static List<Map<String, Object>> yamlDocuments(Path file) throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : new Yaml().loadAll(Files.readString(file))) {
            if (doc != null) {
                docs.add(map(doc));
            }
        }
        return docs;
    }

    private static Map<String, Object> services() {
        return map(compose.get("services"));
    }

    private static Map<String, Object> service(String name) {
        assertThat(services()).containsKey(name);
        return map(services().get(name));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    static List<?> list(Object o) {
        return o == null ? List.of() : (List<?>) o;
    }

    static List<String> args(Object o) {
        return list(o).stream().map(String::valueOf).toList();
    }

    /** The value after {@code name} in an argument list. */
    static String flag(List<String> args, String name) {
        int i = args.indexOf(name);
        assertThat(i).as("flag " + name + " in " + args).isNotNegative().isLessThan(args.size() - 1);
        return args.get(i + 1);
    }

    /** Follows map keys and list indexes. */
    static String string(Map<String, Object> from, String... path) {
        Object o = from;
        for (String p : path) {
            o = o instanceof List<?> l ? l.get(Integer.parseInt(p)) : map(o).get(p);
            assertThat(o).as(String.join(".", path)).isNotNull();
        }
        return String.valueOf(o);
    }

    /** Container path to host path of a service's bind mounts. */
    static Map<String, String> mounts(Map<String, Object> svc) {
        Map<String, String> mounts = new HashMap<>();
        for (Object v : list(svc.get("volumes"))) {
            String[] parts = ((String) v).split(":");
            mounts.put(parts[1], parts[0]);
        }
        return mounts;
    }

    private static List<String> containerPorts(Map<String, Object> svc) {
        return list(svc.get("ports")).stream().map(p -> String.valueOf(p).replaceFirst(".*:", "")).toList();
    }

    /** FLINK_PROPERTIES as the image's entrypoint reads it: one {@code key: value} per line. */
    static Map<String, String> flinkProperties(String text) {
        Map<String, String> conf = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                int colon = line.indexOf(':');
                conf.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        return conf;
    }

    private static long seconds(String millis) {
        return Long.parseLong(millis) / 1000;
    }

    private static long interval(String flinkDuration) {
        Matcher m = Pattern.compile("(\\d+)\\s*s").matcher(flinkDuration);
        assertThat(m.matches()).as("interval in seconds: " + flinkDuration).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static Document xml(Path file) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    }

    private static String directChild(Element parent, String tag) {
        NodeList children = parent.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i) instanceof Element e && e.getTagName().equals(tag)) {
                return e.getTextContent().trim();
            }
        }
        throw new AssertionError("no <" + tag + "> in <" + parent.getTagName() + ">");
    }

    private static String pomProperty(Path pom, String tag) throws Exception {
        return directChild(xml(pom).getDocumentElement(), tag);
    }

    private static Map<String, String> pomProperties(Path pom) throws Exception {
        Map<String, String> props = new HashMap<>();
        Element properties = (Element) xml(pom).getElementsByTagName("properties").item(0);
        NodeList children = properties.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i) instanceof Element e) {
                props.put(e.getTagName(), e.getTextContent().trim());
            }
        }
        return props;
    }
}
