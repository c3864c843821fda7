package byot.stream.tools.deploy;

import static byot.stream.tools.deploy.DeploymentFilesTest.args;
import static byot.stream.tools.deploy.DeploymentFilesTest.flag;
import static byot.stream.tools.deploy.DeploymentFilesTest.flinkProperties;
import static byot.stream.tools.deploy.DeploymentFilesTest.list;
import static byot.stream.tools.deploy.DeploymentFilesTest.map;
import static byot.stream.tools.deploy.DeploymentFilesTest.mounts;
import static byot.stream.tools.deploy.DeploymentFilesTest.string;
import static byot.stream.tools.deploy.DeploymentFilesTest.yaml;
import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.jobs.adapt.JobSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker/docker-compose.secure.yml, the secured variant of the compose setup, checked without Docker: Kafka only
 * speaks SASL_SSL and authorises with ACLs that an init step creates, Flink's REST endpoint wants mutual TLS,
 * no password is a value in the file, and docker/secure/make-secrets.sh makes every file the variant mounts,
 * consistently (the job's password is an account of the broker, the stores open with their passwords).
 */
class SecureComposeFileTest {
    private static final List<String> FLINK_SERVICES = List.of("jobmanager", "taskmanager", "taskmanager-gpu", "submit");

    private static Path root;
    private static Path docker;
    private static Map<String, Object> services;
    private static Map<String, String> flinkConf;

    @BeforeAll
    static void load() throws IOException {
        root = DeploymentFilesTest.repositoryRoot();
        docker = root.resolve("docker");
        services = map(yaml(docker.resolve("docker-compose.secure.yml")).get("services"));
        flinkConf = flinkProperties(string(service("jobmanager"), "environment", "FLINK_PROPERTIES"));
    }

    @Test
    void itRunsTheDefaultSetupsServicesWithTheSameFlinkSettingsAndImages() throws IOException {
        Map<String, Object> plain = map(yaml(docker.resolve("docker-compose.yml")).get("services"));
        assertThat(services.keySet()).containsAll(plain.keySet()).contains("kafka-acls");
        for (String name : plain.keySet()) {
            assertThat(service(name).get("image")).as(name).isEqualTo(map(plain.get(name)).get("image"));
        }
        Map<String, String> plainConf = flinkProperties(string(map(plain.get("jobmanager")), "environment", "FLINK_PROPERTIES"));
        assertThat(flinkConf).containsAllEntriesOf(plainConf);
        for (String name : FLINK_SERVICES) {
            assertThat(string(service(name), "environment", "FLINK_PROPERTIES")).as(name)
                    .isEqualTo(string(service("jobmanager"), "environment", "FLINK_PROPERTIES"));
        }
    }

    @Test
    void onlyKafkaFlinkRestAndGrafanaArePublishedAndOnlyOnLoopback() {
        Map<String, List<String>> published = new LinkedHashMap<>();
        services.forEach((name, svc) -> {
            List<String> ports = args(map(svc).get("ports"));
            ports.forEach(p -> assertThat(p).as(name).matches("127\\.0\\.0\\.1:\\d+:\\d+"));
            if (!ports.isEmpty()) {
                published.put(name, ports);
            }
        });
        assertThat(published).containsOnlyKeys("kafka", "jobmanager", "grafana");
    }

    @Test
    void kafkaSpeaksOnlySaslSslToClientsAndAuthorisesWithAcls() {
        Map<String, Object> env = map(service("kafka").get("environment"));
        Map<String, String> protocol = new LinkedHashMap<>();
        for (String pair : string(env, "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP").split(",")) {
            protocol.put(pair.split(":")[0], pair.split(":")[1]);
        }
        String controller = string(env, "KAFKA_CONTROLLER_LISTENER_NAMES");
        for (String listener : string(env, "KAFKA_LISTENERS").split(",")) {
            String name = listener.substring(0, listener.indexOf("://"));
            assertThat(protocol.get(name)).as(listener).isEqualTo(name.equals(controller) ? "SASL_PLAINTEXT" : "SASL_SSL");
        }
        assertThat(protocol.get(string(env, "KAFKA_INTER_BROKER_LISTENER_NAME"))).isEqualTo("SASL_SSL");
        // The controller listener is not published: the host reaches only HOST (SASL_SSL).
        String controllerPort = listenerPort(string(env, "KAFKA_LISTENERS"), controller);
        assertThat(args(service("kafka").get("ports"))).noneMatch(p -> p.endsWith(":" + controllerPort));
        assertThat(env).containsEntry("KAFKA_AUTHORIZER_CLASS_NAME", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .containsEntry("KAFKA_SUPER_USERS", "User:admin")
                .containsEntry("KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND", "false")
                .containsEntry("KAFKA_SASL_MECHANISM_CONTROLLER_PROTOCOL", "PLAIN");
        assertThat(string(service("kafka"), "healthcheck", "test")).contains("--command-config");
    }

    @Test
    void anInitStepGrantsTheJobExactlyWhatItUsesBeforeItIsSubmitted() throws IOException {
        Map<String, Object> acls = service("kafka-acls");
        assertThat(string(acls, "depends_on", "kafka", "condition")).isEqualTo("service_healthy");
        assertThat(string(service("submit"), "depends_on", "kafka-acls", "condition")).isEqualTo("service_completed_successfully");
        String scriptInContainer = args(acls.get("entrypoint")).get(1);
        String script = Files.readString(hostPath(acls, scriptInContainer, docker));

        Matcher group = Pattern.compile("group=\"\\$\\{BYOT_GROUP_ID:-([\\w-]+)}\"").matcher(script);
        assertThat(group.find()).isTrue();
        assertThat(byot.stream.jobs.adapt.AdaptOptions.GROUP_ID.option().defaultValue()).as("the job's default group id")
                .isEqualTo(group.group(1));
        // The sinks' transactional ids are "<group id>-<topic>" (KafkaPipelineEndpoints).
        assertThat(Files.readString(root.resolve("jobs/src/main/java/byot/stream/jobs/adapt/KafkaPipelineEndpoints.java")))
                .contains("s.groupId() + \"-\" + topic");

        JobSettings.Topics topics = JobSettings.Topics.defaults();
        String job = "acl --allow-principal User:byot ";
        assertThat(script).contains(job + "--operation Read --topic " + topics.images() + " --group \"$group\"")
                .contains(job + "--operation Write --topic " + topics.predictions() + " --topic " + topics.models()
                        + " --topic " + topics.metrics() + " --topic " + topics.deadLetter())
                // A fresh start or a restore with --model-key reads the newest models record (StartingModel).
                .contains(job + "--operation Read --topic " + topics.models() + "\n")
                .contains(job + "--operation Write --transactional-id \"$group-\" --resource-pattern-type prefixed")
                .contains(job + "--operation IdempotentWrite --cluster")
                .contains("--command-config /etc/byot/kafka-admin/client.properties");
        assertThat(mounts(acls)).containsKey("/etc/byot/kafka-admin");
        assertThat(script.lines().filter(l -> l.startsWith("acl --allow-principal User:byot"))).hasSize(5);
    }

    @Test
    void flinkRestWantsMutualTlsAndItsPasswordComesFromAFile() throws IOException {
        assertThat(flinkConf).containsEntry("security.ssl.rest.enabled", "true")
                .containsEntry("security.ssl.rest.authentication-enabled", "true");
        assertThat(flinkConf.keySet()).noneMatch(k -> k.contains("password"));
        for (String name : FLINK_SERVICES) {
            Map<String, Object> svc = service(name);
            assertThat(args(svc.get("entrypoint")).get(0)).as(name).isEqualTo("/opt/byot/flink-with-secrets.sh");
            for (String store : List.of("security.ssl.rest.keystore", "security.ssl.rest.truststore")) {
                assertThat(mountOf(svc, flinkConf.get(store))).as(name + " mounts " + store).isNotNull();
            }
        }
        String wrapper = Files.readString(hostPath(service("jobmanager"), "/opt/byot/flink-with-secrets.sh", docker));
        assertThat(wrapper).contains("security.ssl.rest.keystore-password: ${password}", "security.ssl.rest.key-password: ${password}",
                "security.ssl.rest.truststore-password: ${password}", "exec /docker-entrypoint.sh \"$@\"");
        Matcher file = Pattern.compile("password=\"\\$\\(cat (\\S+)\\)\"").matcher(wrapper);
        assertThat(file.find()).isTrue();
        assertThat(mountOf(service("jobmanager"), file.group(1))).isNotNull();
    }

    @Test
    void noPasswordIsAValueInTheFile() throws IOException {
        String text = Files.readString(docker.resolve("docker-compose.secure.yml"));
        assertThat(text).doesNotContainIgnoringCase("admin/admin").doesNotContain("PASSWORD:  ");
        services.forEach((name, svc) -> {
            Object env = map(svc).get("environment");
            if (env != null) {
                map(env).forEach((key, value) -> {
                    if (key.matches("(?i).*(password|secret|credentials).*")) {
                        assertThat(key).as(name + " " + key).matches(".*(__FILE|_CREDENTIALS)");
                    }
                });
            }
        });
        Map<String, Object> grafana = map(service("grafana").get("environment"));
        assertThat(grafana).doesNotContainKey("GF_SECURITY_ADMIN_PASSWORD")
                .containsEntry("GF_SECURITY_ADMIN_PASSWORD__FILE", "/run/secrets/grafana_admin_password");
        assertThat(args(service("grafana").get("secrets"))).containsExactly("grafana_admin_password");
    }

    @Test
    void theJobGetsItsKafkaClientFileAtTheSamePathInEveryFlinkProcess() {
        List<String> submit = args(service("submit").get("entrypoint"));
        String clientFile = flag(submit, "--client-config");
        assertThat(flag(submit, "--bootstrap-servers")).isEqualTo("kafka:9092");
        Set<String> hostDirs = new HashSet<>();
        for (String name : FLINK_SERVICES) {
            String mount = mountOf(service(name), clientFile);
            assertThat(mount).as(name + " mounts " + clientFile).isNotNull();
            hostDirs.add(mounts(service(name)).get(mount));
        }
        assertThat(hostDirs).containsExactly("./secrets/kafka-job");
    }

    @Test
    void makeSecretsMakesEveryFileTheVariantMountsConsistently(@TempDir Path tmp) throws Exception {
        Path secrets = tmp.resolve("secrets");
        runMakeSecrets(secrets);

        // Every ./secrets/... the file mounts or declares exists.
        List<String> sources = new ArrayList<>();
        services.values().forEach(svc -> args(map(svc).get("volumes")).stream().map(v -> v.split(":")[0])
                .filter(s -> s.startsWith("./secrets/")).forEach(sources::add));
        map(yaml(docker.resolve("docker-compose.secure.yml")).get("secrets"))
                .forEach((name, s) -> sources.add(string(map(s), "file")));
        assertThat(sources).hasSizeGreaterThanOrEqualTo(10);
        sources.forEach(s -> assertThat(secrets.resolve(s.substring("./secrets/".length()))).as(s).exists());

        // The broker: its stores open with the password file the image reads, its certificate names host kafka.
        Map<String, Object> kafkaEnv = map(service("kafka").get("environment"));
        Path brokerDir = hostPath(service("kafka"), "/etc/kafka/secrets", secrets.getParent());
        String storePassword = Files.readString(brokerDir.resolve(string(kafkaEnv, "KAFKA_SSL_KEYSTORE_CREDENTIALS")));
        KeyStore keyStore = load(brokerDir.resolve(string(kafkaEnv, "KAFKA_SSL_KEYSTORE_FILENAME")), storePassword);
        X509Certificate cert = (X509Certificate) keyStore.getCertificate(keyStore.aliases().nextElement());
        assertThat(cert.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1)))).contains("kafka", "localhost");
        load(brokerDir.resolve(string(kafkaEnv, "KAFKA_SSL_TRUSTSTORE_FILENAME")), storePassword);
        String jaasPath = string(kafkaEnv, "KAFKA_OPTS").replaceFirst(".*login\\.config=", "");
        String jaas = Files.readString(hostPath(service("kafka"), jaasPath, secrets.getParent()));

        // The job: its client file names a trust store that is in the same mount and opens, and its user is an account.
        List<String> submit = args(service("submit").get("entrypoint"));
        Properties client = properties(hostPath(service("submit"), flag(submit, "--client-config"), secrets.getParent()));
        assertThat(client.getProperty("security.protocol")).isEqualTo("SASL_SSL");
        load(hostPath(service("submit"), client.getProperty("ssl.truststore.location"), secrets.getParent()),
                client.getProperty("ssl.truststore.password"));
        Matcher login = Pattern.compile("username=\"(\\w+)\" password=\"(\\w+)\"").matcher(client.getProperty("sasl.jaas.config"));
        assertThat(login.find()).isTrue();
        assertThat(login.group(1)).isEqualTo("byot");
        assertThat(jaas).contains("user_byot=\"" + login.group(2) + "\"");

        // Flink REST: both stores open with the password file the wrapper reads.
        String restPassword = Files.readString(hostPath(service("jobmanager"), "/etc/byot/flink-rest/store_password", secrets.getParent()));
        load(hostPath(service("jobmanager"), flinkConf.get("security.ssl.rest.keystore"), secrets.getParent()), restPassword);
        load(hostPath(service("jobmanager"), flinkConf.get("security.ssl.rest.truststore"), secrets.getParent()), restPassword);

        // Passwords are long, random and all different.
        Matcher all = Pattern.compile("\"(\\w{32,})\"").matcher(jaas);
        Set<String> passwords = new HashSet<>(List.of(storePassword, restPassword, client.getProperty("ssl.truststore.password"),
                Files.readString(secrets.resolve("grafana_admin_password")).trim()));
        while (all.find()) {
            passwords.add(all.group(1));
        }
        assertThat(passwords).hasSize(6).allSatisfy(p -> assertThat(p).hasSizeGreaterThanOrEqualTo(32));
    }

    // --- helpers ---

    private static Map<String, Object> service(String name) {
        assertThat(services).containsKey(name);
        return map(services.get(name));
    }

    private static String listenerPort(String listeners, String name) {
        return Arrays.stream(listeners.split(",")).filter(l -> l.startsWith(name + "://")).findFirst().orElseThrow()
                .replaceFirst(".*:", "");
    }

    /** The container path of the service's mount that holds {@code path}, or null. */
    private static String mountOf(Map<String, Object> svc, String path) {
        return mounts(svc).keySet().stream().filter(m -> path.equals(m) || path.startsWith(m + "/")).findFirst().orElse(null);
    }

    /** Where a container path of the service is on the host, with the mount's ./ relative to {@code base}. */
    private static Path hostPath(Map<String, Object> svc, String containerPath, Path base) {
        String mount = mountOf(svc, containerPath);
        assertThat(mount).as(containerPath + " is mounted").isNotNull();
        return base.resolve(mounts(svc).get(mount)).resolve(containerPath.substring(mount.length()).replaceFirst("^/", ""))
                .normalize();
    }

    private static void runMakeSecrets(Path out) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", docker.resolve("secure/make-secrets.sh").toString(), out.toString())
                .redirectErrorStream(true);
        pb.environment().put("KEYTOOL", Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(log).isZero();
    }

    private static KeyStore load(Path file, String password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password.toCharArray());
        }
        assertThat(ks.size()).as(file.toString()).isPositive();
        return ks;
    }

    private static Properties properties(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        }
        return p;
    }
}
