package byot.stream.tools.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.MalformedRecordException.Reason;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real HTTP calls to the server on a free loopback port. */
class MonitorServerTest {

    private final MonitorState state = new MonitorState(10, 5, "broker:9092", "metrics", "dead-letter", () -> 42L);
    private final HttpClient http = HttpClient.newHttpClient();
    private MonitorServer server;

    @BeforeEach
    void start() throws Exception {
        server = MonitorServer.start(0, state::snapshot);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(server.url().resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void listensOnLoopbackOnly() {
        assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
        assertThat(server.address().getPort()).isPositive();
        assertThat(server.url().toString()).isEqualTo("http://127.0.0.1:" + server.address().getPort() + "/");
    }

    @Test
    void stateIsTheSnapshotAsJson() throws Exception {
        state.add(MonitorStateTest.window(5_000, 7, new long[] {4, 3, 2, 1}, 2.0, 30));
        state.add(MonitorStateTest.window(6_000, 8, new long[] {1, 0, 0, 1}, 0.4, 50));
        state.add(new DeadLetter("images", 0, 9, Reason.BAD_MAGIC, "first byte 0x6e", 1_234, "nope".getBytes()));
        state.skipped("metrics", "BAD_JSON at offset 2");
        state.feed(MonitorState.FeedState.CONNECTED, "reading metrics and dead-letter");

        HttpResponse<String> response = get("/api/state");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
        JsonNode json = new ObjectMapper().readTree(response.body());

        assertThat(json.get("feed").get("state").asText()).isEqualTo("CONNECTED");
        assertThat(json.get("feed").get("bootstrapServers").asText()).isEqualTo("broker:9092");
        assertThat(json.get("modelVersion").asLong()).isEqualTo(8);
        assertThat(json.get("latest").get("windowStart").asLong()).isEqualTo(6_000);
        assertThat(json.get("latest").get("exitHistogram").toString()).isEqualTo("[1,0,0,1]");
        assertThat(json.get("latest").get("throughput").asDouble()).isEqualTo(0.4);
        assertThat(json.get("latest").get("latencyP99Ms").asDouble()).isEqualTo(50.0);
        assertThat(json.get("latest").get("perExitAccuracy").toString()).isEqualTo("[1.0,1.0,1.0,1.0]");
        assertThat(json.get("totals").get("windows").asLong()).isEqualTo(2);
        assertThat(json.get("totals").get("predictions").asLong()).isEqualTo(12);
        assertThat(json.get("totals").get("exitHistogram").toString()).isEqualTo("[5,3,2,2]");
        assertThat(json.get("history")).hasSize(2);
        assertThat(json.get("history").get(0).get("modelVersions").toString()).isEqualTo("[7]");
        assertThat(json.get("deadLettersRead").asLong()).isEqualTo(1);
        JsonNode dead = json.get("deadLetters").get(0);
        assertThat(dead.get("reason").asText()).isEqualTo("BAD_MAGIC");
        assertThat(dead.get("detail").asText()).isEqualTo("first byte 0x6e");
        assertThat(dead.get("originalBytes").asInt()).isEqualTo(4);
        assertThat(dead.has("original")).as("the page gets no raw bytes").isFalse();
        assertThat(json.get("skipped").get("metrics").asLong()).isEqualTo(1);
    }

    @Test
    void stateBeforeAnyDataHasNullsNotErrors() throws Exception {
        JsonNode json = new ObjectMapper().readTree(get("/api/state").body());
        assertThat(json.get("latest").isNull()).isTrue();
        assertThat(json.get("modelVersion").isNull()).isTrue();
        assertThat(json.get("history")).isEmpty();
        assertThat(json.get("totals").get("windows").asLong()).isZero();
        assertThat(json.get("feed").get("state").asText()).isEqualTo("CONNECTING");
    }

    @Test
    void servesThePageAndItsAssets() throws Exception {
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("id=\"exit-now\"", "id=\"exit-total\"", "id=\"model-version\"",
                "id=\"throughput\"", "id=\"dead-letters\"", "src=\"app.js\"", "href=\"style.css\"");
        HttpResponse<String> script = get("/app.js");
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(script.body()).contains("/api/state", "exit-bar");
        assertThat(get("/style.css").statusCode()).isEqualTo(200);
    }

    @Test
    void unknownPathsAre404AndOtherMethods405() throws Exception {
        assertThat(get("/../pom.xml").statusCode()).isEqualTo(404);
        assertThat(get("/monitor/index.html").statusCode()).isEqualTo(404);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(server.url().resolve("/api/state"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }

    @Test
    void aTakenPortIsRefused() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> MonitorServer.start(taken.getLocalPort(), state::snapshot))
                    .isInstanceOf(java.net.BindException.class);
        }
    }
}
