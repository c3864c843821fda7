package byot.stream.tools.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The parts of Flink's REST API that the cluster commands use: overview, TaskManagers, jobs, and jar submission
 * ({@code POST /jars/upload}, then {@code POST /jars/:id/run}), as the web UI's "Submit New Job" page does.
 */
public final class FlinkRestClient {

    /** An answer with an error status, which a caller may tell apart (404: no such job or jar). */
    public static final class StatusException extends IOException {
        private final int status;

        StatusException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public FlinkRestClient(String baseUrl) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    public String baseUrl() {
        return baseUrl;
    }

    public JsonNode get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).GET(), Duration.ofSeconds(10));
    }

    /** True once the REST endpoint answers {@code /overview}. */
    public boolean reachable() throws InterruptedException {
        try {
            get("/overview");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code POST /jars/upload} as multipart/form-data with the field {@code jarfile}; returns the jar id. */
    public String uploadJar(Path jar) throws IOException, InterruptedException {
        String boundary = "byot-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"jarfile\"; filename=\"" + jar.getFileName() + "\"\r\n"
                + "Content-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(jar));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        JsonNode answer = send(HttpRequest.newBuilder(uri("/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())), Duration.ofMinutes(2));
        String filename = answer.path("filename").asText("");
        if (!"success".equals(answer.path("status").asText()) || filename.isEmpty()) {
            throw new IOException("jar upload to " + baseUrl + " was not accepted: " + answer);
        }
        return Path.of(filename).getFileName().toString();
    }

    /**
     * {@code POST /jars/:id/run}: the JobManager runs the jar's {@code main}, which submits the job; returns its id.
     *
     * @param parallelism the job's default parallelism; 0 keeps the cluster's {@code parallelism.default}
     */
    public String runJar(String jarId, String entryClass, List<String> programArgs, int parallelism)
            throws IOException, InterruptedException {
        return runJar(jarId, entryClass, programArgs, parallelism, Optional.empty());
    }

    /** As above, the job restoring {@code restore}'s savepoint or retained checkpoint. */
    public String runJar(String jarId, String entryClass, List<String> programArgs, int parallelism, Optional<Restore> restore)
            throws IOException, InterruptedException {
        ObjectNode request = JSON.createObjectNode().put("entryClass", entryClass);
        restore.ifPresent(r -> request.put("savepointPath", r.path()).put("allowNonRestoredState", r.allowNonRestoredState()));
        request.putArray("programArgsList").addAll(programArgs.stream().map(JSON.getNodeFactory()::textNode).toList());
        if (parallelism > 0) {
            request.put("parallelism", parallelism);
        }
        // main() builds the initial model inside the JobManager: allow it minutes on a busy machine.
        JsonNode answer = send(HttpRequest.newBuilder(uri("/jars/" + jarId + "/run"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request))), Duration.ofMinutes(5));
        String jobId = answer.path("jobid").asText("");
        if (jobId.isEmpty()) {
            throw new IOException("the JobManager ran the jar but returned no job id: " + answer);
        }
        return jobId;
    }

    /** A savepoint or retained checkpoint for a job to start from. */
    public record Restore(String path, boolean allowNonRestoredState) {}

    /** Uploads the jar and runs it; returns the job id. */
    public String submit(Path jar, String entryClass, List<String> programArgs, int parallelism)
            throws IOException, InterruptedException {
        return runJar(uploadJar(jar), entryClass, programArgs, parallelism);
    }

    /** {@code PATCH /jobs/:id?mode=cancel}. */
    public void cancel(String jobId) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(uri("/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody()), Duration.ofSeconds(30));
    }

    /**
     * {@code POST /jobs/:id/stop}: takes a savepoint, then stops the job; returns the trigger id to poll with
     * {@link #savepoint}. Sources that {@code drain} emit MAX_WATERMARK first, firing every open window.
     *
     * @param targetDirectory where the savepoint goes; null: the cluster's {@code execution.checkpointing.savepoint-dir}
     */
    public String stopWithSavepoint(String jobId, String targetDirectory, boolean drain) throws IOException, InterruptedException {
        ObjectNode request = JSON.createObjectNode().put("drain", drain);
        if (targetDirectory != null) {
            request.put("targetDirectory", targetDirectory);
        }
        JsonNode answer = send(HttpRequest.newBuilder(uri("/jobs/" + jobId + "/stop"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request))), Duration.ofSeconds(30));
        String trigger = answer.path("request-id").asText("");
        if (trigger.isEmpty()) {
            throw new IOException("Flink accepted the stop of job " + jobId + " but returned no trigger id: " + answer);
        }
        return trigger;
    }

    /** Where an asynchronous savepoint stands: in progress, or completed at {@code location}, or failed with {@code failure}. */
    public record SavepointStatus(boolean completed, String location, String failure) {
        public boolean failed() {
            return completed && failure != null;
        }
    }

    /** {@code GET /jobs/:id/savepoints/:triggerId}. */
    public SavepointStatus savepoint(String jobId, String triggerId) throws IOException, InterruptedException {
        JsonNode answer = get("/jobs/" + jobId + "/savepoints/" + triggerId);
        if (!"COMPLETED".equals(answer.path("status").path("id").asText())) {
            return new SavepointStatus(false, null, null);
        }
        JsonNode operation = answer.path("operation");
        if (operation.hasNonNull("location")) {
            return new SavepointStatus(true, operation.get("location").asText(), null);
        }
        JsonNode cause = operation.path("failure-cause");
        return new SavepointStatus(true, null, errorSummary(JSON.createObjectNode().set("errors",
                JSON.createArrayNode().add(cause.path("stack-trace").asText(cause.toString())))));
    }

    private URI uri(String path) {
        // A jar id holds the uploaded file's name, which may hold a space or another character a URI path may not.
        return URI.create(baseUrl + path.replace("%", "%25").replace(" ", "%20"));
    }

    private JsonNode send(HttpRequest.Builder request, Duration timeout) throws IOException, InterruptedException {
        HttpResponse<String> response;
        try {
            response = http.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new IOException("no Flink REST endpoint at " + baseUrl + " (is the cluster running?)", e);
        } catch (java.net.http.HttpTimeoutException e) {
            HttpRequest sent = request.build();
            throw new IOException("Flink REST " + sent.method() + " " + sent.uri() + " gave no answer within " + timeout.toSeconds()
                    + " s" + (sent.uri().getPath().endsWith("/run") ? " (the job may still start: see the web UI before"
                    + " submitting again)" : ""), e);
        }
        JsonNode body;
        try {
            body = response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // Not Flink's REST API (a wrong --rest, a proxy's HTML page): say what answered, with its status.
            String text = response.body().strip();
            throw new IOException("Flink REST " + response.request().method() + " " + response.request().uri().getPath()
                    + " answered " + response.statusCode() + " with no JSON (is " + baseUrl + " a Flink REST endpoint?): "
                    + (text.length() > 200 ? text.substring(0, 200) + "…" : text), e);
        }
        if (response.statusCode() >= 300) {
            throw new StatusException(response.statusCode(), "Flink REST " + response.request().method() + " "
                    + response.request().uri().getPath() + " answered " + response.statusCode() + ": " + errorSummary(body));
        }
        return body;
    }

    /**
     * Flink puts a whole stack trace into {@code errors}; the innermost {@code Caused by} names what the user must fix,
     * e.g. a job's {@code main} rejecting a flag.
     */
    static String errorSummary(JsonNode body) {
        String all = body.path("errors").toString();
        if (!body.has("errors")) {
            return body.toString();
        }
        StringBuilder text = new StringBuilder();
        body.path("errors").forEach(e -> text.append(e.asText()).append('\n'));
        String cause = null;
        for (String line : text.toString().split("\n")) {
            if (line.trim().startsWith("Caused by: ")) {
                cause = line.trim().substring("Caused by: ".length());
            }
        }
        if (cause != null) {
            return cause;
        }
        String first = text.toString().lines().filter(l -> !l.isBlank()).reduce((a, b) -> a + " / " + b).orElse(all);
        return first.length() > 400 ? first.substring(0, 400) + "..." : first;
    }
}
