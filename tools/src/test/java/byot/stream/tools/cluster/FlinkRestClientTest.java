package byot.stream.tools.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.tools.Byot;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The savepoint parts of the REST client against a tiny in-process server that answers as Flink's REST API does. */
class FlinkRestClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JOB = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
    private static final String ENDED = "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0";

    private HttpServer server;
    /** Request bodies by "METHOD path". */
    private final Map<String, JsonNode> received = new ConcurrentHashMap<>();
    /** Answers of the savepoint status endpoint, one per poll; the last one repeats. */
    private final Queue<String> statusAnswers = new ArrayDeque<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jobs/" + JOB + "/stop", ex -> answer(ex, 202, "{\"request-id\":\"trigger-7\"}"));
        server.createContext("/jobs/" + JOB + "/savepoints/trigger-7", ex -> {
            String body;
            synchronized (statusAnswers) {
                body = statusAnswers.size() > 1 ? statusAnswers.poll() : statusAnswers.peek();
            }
            answer(ex, 200, body);
        });
        server.createContext("/jars/j1.jar/run", ex -> answer(ex, 200, "{\"jobid\":\"" + JOB + "\"}"));
        server.createContext("/jobs/" + JOB, ex -> answer(ex, 200, "{\"jid\":\"" + JOB + "\",\"state\":\"RUNNING\"}"));
        server.createContext("/jobs/" + ENDED, ex -> answer(ex, 200, "{\"jid\":\"" + ENDED + "\",\"state\":\"FINISHED\"}"));
        server.createContext("/jobs/" + ENDED + "/stop", ex -> answer(ex, 202, "{\"request-id\":\"trigger-8\"}"));
        server.createContext("/jobs/", ex -> answer(ex, 404, "{\"errors\":[\"Job could not be found.\"]}"));
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void answer(HttpExchange ex, int status, String body) throws IOException {
        byte[] in = ex.getRequestBody().readAllBytes();
        received.put(ex.getRequestMethod() + " " + ex.getRequestURI().getPath(),
                in.length == 0 ? JSON.createObjectNode() : JSON.readTree(in));
        byte[] out = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, out.length);
        ex.getResponseBody().write(out);
        ex.close();
    }

    private static final String IN_PROGRESS = "{\"status\":{\"id\":\"IN_PROGRESS\"}}";
    private static final String DONE = "{\"status\":{\"id\":\"COMPLETED\"},\"operation\":{\"location\":\"file:/sp/savepoint-a1b2c3-0123\"}}";
    private static final String FAILED = "{\"status\":{\"id\":\"COMPLETED\"},\"operation\":{\"failure-cause\":{\"class\":"
            + "\"java.util.concurrent.CompletionException\",\"stack-trace\":\"org.apache.flink.util.FlinkException: x\\n"
            + "Caused by: java.io.IOException: No space left on device\\n\\tat a.b(C.java:1)\"}}}";

    @Test
    void stopWithSavepointPostsTheTargetAndPollsUntilTheSavepointIsComplete() throws Exception {
        statusAnswers.addAll(List.of(IN_PROGRESS, IN_PROGRESS, DONE));
        FlinkRestClient rest = new FlinkRestClient(url());

        String trigger = rest.stopWithSavepoint(JOB, "file:///sp", false);
        FlinkRestClient.SavepointStatus status = ClusterStopJobCommand.await(rest, JOB, trigger, java.time.Duration.ofSeconds(20));

        assertThat(trigger).isEqualTo("trigger-7");
        JsonNode body = received.get("POST /jobs/" + JOB + "/stop");
        assertThat(body.path("targetDirectory").asText()).isEqualTo("file:///sp");
        assertThat(body.path("drain").asBoolean(true)).isFalse();
        assertThat(status).isEqualTo(new FlinkRestClient.SavepointStatus(true, "file:/sp/savepoint-a1b2c3-0123", null));
        assertThat(statusAnswers).hasSize(1);   // polled through both in-progress answers
    }

    /** Flink keeps the uploaded file's name in the jar id: a space in it must not make the run request unusable. */
    @Test
    void aJarIdWithASpaceIsRunAtItsEncodedPath() throws Exception {
        server.createContext("/jars/abc_my job.jar/run", ex -> answer(ex, 200, "{\"jobid\":\"" + JOB + "\"}"));
        String jobId = new FlinkRestClient(url()).runJar("abc_my job.jar", "x.Main", List.of(), 0, java.util.Optional.empty());
        assertThat(jobId).isEqualTo(JOB);
        assertThat(received).containsKey("POST /jars/abc_my job.jar/run");
    }

    /** A wrong --rest (another web server, a proxy's error page): the status and what answered, not a JSON parse error. */
    @Test
    void aReplyThatIsNotJsonIsReportedWithItsStatus() throws Exception {
        server.createContext("/jobs/" + JOB + "/savepoints/html", ex -> {
            byte[] out = "<html><body>502 Bad Gateway</body></html>".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/html");
            ex.sendResponseHeaders(502, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new FlinkRestClient(url()).savepoint(JOB, "html"))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("answered 502 with no JSON").hasMessageContaining("502 Bad Gateway");
    }

    @Test
    void aFailedSavepointSaysWhy() throws Exception {
        statusAnswers.add(FAILED);
        FlinkRestClient.SavepointStatus status = new FlinkRestClient(url()).savepoint(JOB, "trigger-7");
        assertThat(status.failed()).isTrue();
        assertThat(status.failure()).isEqualTo("java.io.IOException: No space left on device");
    }

    @Test
    void runJarPassesTheSavepointToRestore() throws Exception {
        String job = new FlinkRestClient(url()).runJar("j1.jar", "x.Main", List.of("--a", "1"), 2,
                Optional.of(new FlinkRestClient.Restore("file:/sp/savepoint-1", true)));
        assertThat(job).isEqualTo(JOB);
        JsonNode body = received.get("POST /jars/j1.jar/run");
        assertThat(body.path("savepointPath").asText()).isEqualTo("file:/sp/savepoint-1");
        assertThat(body.path("allowNonRestoredState").asBoolean()).isTrue();
        assertThat(body.path("programArgsList")).hasSize(2);

        new FlinkRestClient(url()).runJar("j1.jar", "x.Main", List.of(), 0);
        assertThat(received.get("POST /jars/j1.jar/run").has("savepointPath")).isFalse();
    }

    @Test
    void theStopJobCommandStopsIntoAnOwnerOnlyDirectory(@TempDir Path dir) throws Exception {
        statusAnswers.addAll(List.of(IN_PROGRESS, DONE));
        Path target = dir.resolve("savepoints");

        assertThat(cli("cluster", "stop-job", "--rest", url(), "--job", JOB, "--savepoint-dir", target.toString())).isZero();

        assertThat(received.get("POST /jobs/" + JOB + "/stop").path("targetDirectory").asText())
                .isEqualTo(target.toUri().toString().replaceAll("/$", ""));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rwx------");
    }

    @Test
    void theStopJobCommandFailsInOneLineWhenTheSavepointFails(@TempDir Path dir) {
        statusAnswers.add(FAILED);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Byot.run(new String[] {"cluster", "stop-job", "--rest", url(), "--job", JOB},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8).strip()).isEqualTo("byot cluster stop-job: the savepoint of job " + JOB
                + " failed, the job keeps running: java.io.IOException: No space left on device");
        // Without a target the cluster's own savepoint directory is used.
        assertThat(received.get("POST /jobs/" + JOB + "/stop").has("targetDirectory")).isFalse();
    }

    /** Flink accepts a stop for a job that has ended and fails its savepoint: said as it is, and nothing is posted. */
    @Test
    void theStopJobCommandSaysWhenTheJobIsNotRunning() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Byot.run(new String[] {"cluster", "stop-job", "--rest", url(), "--job", ENDED},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("job " + ENDED + " is FINISHED, not running");
        assertThat(received).doesNotContainKey("POST /jobs/" + ENDED + "/stop");

        err.reset();
        code = Byot.run(new String[] {"cluster", "stop-job", "--rest", url(), "--job", "ffffffffffffffffffffffffffffffff"},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no job ffffffffffffffffffffffffffffffff on the cluster");
    }

    private static int cli(String... args) {
        return Byot.run(args, new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()));
    }
}
