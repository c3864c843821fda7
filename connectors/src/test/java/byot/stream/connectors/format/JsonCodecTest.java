package byot.stream.connectors.format;

import static byot.stream.connectors.format.ImageEventCodecTest.assertReason;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.MalformedRecordException.Reason;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonCodecTest {
    private final JsonCodec<Prediction> predictions = JsonCodec.predictions();
    private final JsonCodec<MetricsWindow> metrics = JsonCodec.metricsWindows();
    private final JsonCodec<DeadLetter> deadLetters = JsonCodec.deadLetters();

    static Prediction prediction(Integer label) {
        return new Prediction("train-5-0", "camera-東京", 3, 0.93, 2, new double[] {0.41, 0.93}, 12, 1_700_000_000_000L,
                17, label);
    }

    @Test
    void predictionRoundTripsWithAndWithoutLabel() throws Exception {
        for (Integer label : new Integer[] {3, null}) {
            Prediction p = prediction(label);
            Prediction back = predictions.decode(predictions.encode(p));
            assertThat(back).usingRecursiveComparison().isEqualTo(p);
            assertThat(back.correct()).isEqualTo(label == null ? java.util.Optional.empty() : java.util.Optional.of(true));
        }
    }

    @Test
    void predictionJsonHasTheDocumentedFieldNames() throws Exception {
        JsonNode json = new ObjectMapper().readTree(predictions.encode(prediction(null)));
        assertThat(json.fieldNames()).toIterable().containsExactly("id", "sourceId", "predictedClass", "confidence",
                "exitDepth", "exitConfidences", "modelVersion", "eventTime", "latencyMs", "label");
        assertThat(json.get("label").isNull()).isTrue();
        assertThat(json.get("exitConfidences").get(1).asDouble()).isEqualTo(0.93);
    }

    @Test
    void predictionDecodingIgnoresUnknownFieldsAndRejectsBrokenOnes() throws Exception {
        String json = new String(predictions.encode(prediction(1)), UTF_8);
        Prediction extended = predictions.decode(json.replace("{\"id\"", "{\"addedInV2\":true,\"id\"").getBytes(UTF_8));
        assertThat(extended.id()).isEqualTo("train-5-0");
        assertReason(() -> predictions.decode(json.replace("\"exitDepth\":2", "\"exitDepth\":3").getBytes(UTF_8)),
                Reason.INVALID_FIELD);
        assertReason(() -> predictions.decode(json.replace("\"confidence\":0.93,", "").getBytes(UTF_8)), Reason.BAD_JSON);
        assertReason(() -> predictions.decode(json.substring(0, 20).getBytes(UTF_8)), Reason.BAD_JSON);
        assertReason(() -> predictions.decode("null".getBytes(UTF_8)), Reason.BAD_JSON);
        assertReason(() -> predictions.decode(new byte[0]), Reason.EMPTY);
    }

    @Test
    void metricsWindowRoundTripsAndPublishesAccuracy() throws Exception {
        MetricsWindow w = new MetricsWindow(1000, 6000, 4, 10, new long[] {6, 3, 1, 0}, new long[] {2, 3, 4, 4},
                new long[] {4, 4, 4, 4}, 0.87, 2.0, 3.5, 9.0, 12.25, 1);
        byte[] bytes = metrics.encode(w);
        assertThat(metrics.decode(bytes)).usingRecursiveComparison().isEqualTo(w);
        JsonNode json = new ObjectMapper().readTree(bytes);
        assertThat(json.get("perExitAccuracy").get(0).asDouble()).isEqualTo(0.5);
        assertThat(json.get("perExitAccuracy").get(3).asDouble()).isEqualTo(1.0);

        MetricsWindow unlabelled = new MetricsWindow(0, 0, 0, 0, new long[2], new long[2], new long[2], 0, 0, 0, 0, 0, 0);
        assertThat(unlabelled.perExitAccuracy()).containsExactly(null, null);
        assertThat(metrics.decode(metrics.encode(unlabelled))).usingRecursiveComparison().isEqualTo(unlabelled);
        String broken = new String(bytes, UTF_8).replace("\"count\":10", "\"count\":11");
        assertReason(() -> metrics.decode(broken.getBytes(UTF_8)), Reason.INVALID_FIELD);

        // Jackson reads "NaN" and "Infinity" as doubles: a reader would chart them. Refused like any invalid field.
        for (String field : new String[] {"throughput", "meanConfidence", "latencyP99Ms"}) {
            String nan = new String(bytes, UTF_8).replaceFirst("\"" + field + "\":[0-9.]+", "\"" + field + "\":\"NaN\"");
            assertThat(nan).as(field).contains("\"NaN\"");
            assertReason(() -> metrics.decode(nan.getBytes(UTF_8)), Reason.INVALID_FIELD);
        }
        // Readers size their tables and charts by the exits: a record may not claim thousands of them.
        int many = MetricsWindow.MAX_EXITS + 1;
        String wide = "{\"windowStart\":0,\"windowEnd\":1,\"modelVersion\":0,\"count\":0,\"exitHistogram\":" + zeros(many)
                + ",\"perExitCorrect\":" + zeros(many) + ",\"perExitLabeled\":" + zeros(many) + ",\"meanConfidence\":0,"
                + "\"throughput\":0,\"latencyP50Ms\":0,\"latencyP95Ms\":0,\"latencyP99Ms\":0,\"deadLetters\":0}";
        assertReason(() -> metrics.decode(wide.getBytes(UTF_8)), Reason.INVALID_FIELD);
        assertThat(metrics.decode(wide.replace(zeros(many), zeros(many - 1)).getBytes(UTF_8)).exitHistogram()).hasSize(many - 1);
    }

    private static String zeros(int n) {
        return java.util.Arrays.toString(new long[n]).replace(" ", "");
    }

    @Test
    void metricsWindowsCarryDriftAlarmsAndRecordsWrittenBeforeThemStillRead() throws Exception {
        DriftAlarm alarm = new DriftAlarm("test-5123-0", 1_700_000_000_000L, 1540, 12, "adwin", new int[] {1, 4}, new int[] {1});
        MetricsWindow w = new MetricsWindow(1000, 6000, 12, 1, new long[] {1, 0}, new long[] {1, 1}, new long[] {2, 2}, 0.9, 0.2,
                3, 3, 3, 0, List.of(alarm));
        byte[] bytes = metrics.encode(w);
        JsonNode json = new ObjectMapper().readTree(bytes);
        assertThat(json.get("driftAlarms").get(0).get("eventId").asText()).isEqualTo("test-5123-0");
        assertThat(json.get("driftAlarms").get(0).get("exits").toString()).isEqualTo("[1,4]");
        assertThat(metrics.decode(bytes)).usingRecursiveComparison().isEqualTo(w);

        // An unlabelled event can complete an input-domain alarm before anything was scored: 0, not a made-up 1.
        DriftAlarm domain = new DriftAlarm("n-3", 1_700_000_000_000L, 0, 0, "input-domain", new int[] {1, 2}, new int[0]);
        MetricsWindow early = new MetricsWindow(1000, 6000, 0, 1, new long[] {1, 0}, new long[2], new long[2], 0.9, 0.2,
                3, 3, 3, 0, List.of(domain));
        byte[] earlyBytes = metrics.encode(early);
        assertThat(metrics.decode(earlyBytes)).usingRecursiveComparison().isEqualTo(early);
        String negative = new String(earlyBytes, UTF_8).replace("\"labelledEvents\":0", "\"labelledEvents\":-1");
        assertReason(() -> metrics.decode(negative.getBytes(UTF_8)), Reason.INVALID_FIELD);
        assertThat(new ObjectMapper().readTree(metrics.encode(new MetricsWindow(0, 0, 0, 0, new long[1], new long[1], new long[1],
                0, 0, 0, 0, 0, 0))).get("driftAlarms").size()).isZero();

        // As an older job wrote it: no driftAlarms field at all. Every other field is still required.
        String old = "{\"windowStart\":1000,\"windowEnd\":6000,\"modelVersion\":4,\"count\":1,\"exitHistogram\":[1],"
                + "\"perExitCorrect\":[0],\"perExitLabeled\":[0],\"meanConfidence\":0.5,\"throughput\":0.2,"
                + "\"latencyP50Ms\":1,\"latencyP95Ms\":1,\"latencyP99Ms\":1,\"deadLetters\":0}";
        assertThat(metrics.decode(old.getBytes(UTF_8)).driftAlarms()).isEmpty();
        assertReason(() -> metrics.decode(old.replace(",\"deadLetters\":0", "").getBytes(UTF_8)), Reason.BAD_JSON);
        assertReason(() -> metrics.decode("[1]".getBytes(UTF_8)), Reason.BAD_JSON);
    }

    @Test
    void deadLetterRoundTripsOriginalBytesAsBase64() throws Exception {
        byte[] original = {(byte) 0xB1, 0, (byte) 0xff, 'x'};
        DeadLetter d = new DeadLetter("images", 2, 12345L, Reason.TRUNCATED, "ends at byte 4", 1_700_000_000_000L, original);
        byte[] bytes = deadLetters.encode(d);
        DeadLetter back = deadLetters.decode(bytes);
        assertThat(back).usingRecursiveComparison().isEqualTo(d);
        JsonNode json = new ObjectMapper().readTree(bytes);
        assertThat(json.get("original").asText()).isEqualTo("sQD/eA==");
        assertThat(json.get("reason").asText()).isEqualTo("TRUNCATED");
    }

    @Test
    void deadLetterOfAnUnexpectedFailureKeepsItsBytes() {
        DeadLetter d = DeadLetter.of("images", 0, 9, -1, null, new IllegalStateException("boom"));
        assertThat(d.reason()).isEqualTo(Reason.UNEXPECTED);
        assertThat(d.detail()).contains("boom");
        assertThat(d.original()).isEmpty();
    }

    @Test
    void aDeadLetterOfARecordAtTheTopicLimitStaysFarBelowIt() throws Exception {
        byte[] original = new byte[1_048_576];
        new java.util.Random(5).nextBytes(original);
        DeadLetter d = DeadLetter.of("images", 1, 77, 1_700_000_000_000L, original,
                new MalformedRecordException(Reason.BAD_MAGIC, "x".repeat(100_000)));

        byte[] json = deadLetters.encode(d);
        assertThat(json.length).as("base64 of the whole record would be 1.4 MB, above a producer's 1 MiB")
                .isLessThan(DeadLetter.MAX_ORIGINAL_BYTES * 4 / 3 + 4_096);
        DeadLetter back = deadLetters.decode(json);
        assertThat(back.original()).isEqualTo(java.util.Arrays.copyOf(original, DeadLetter.MAX_ORIGINAL_BYTES));
        assertThat(back.originalLength()).isEqualTo(original.length);
        assertThat(back.originalSha256()).isEqualTo(java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(original)));
        assertThat(back.complete()).isFalse();
        assertThat(back.detail()).hasSizeLessThanOrEqualTo(DeadLetter.MAX_DETAIL_CHARS + 1);
        JsonNode node = new ObjectMapper().readTree(json);
        assertThat(node.get("originalLength").asLong()).isEqualTo(1_048_576L);
    }

    @Test
    void aSmallDeadLetterKeepsItsWholeOriginal() {
        byte[] original = "not an image".getBytes(UTF_8);
        DeadLetter d = new DeadLetter("images", 0, 1, Reason.BAD_MAGIC, "m", 5, original);
        assertThat(d.original()).isEqualTo(original);
        assertThat(d.complete()).isTrue();
        assertThat(d.originalLength()).isEqualTo(original.length);
    }
}
