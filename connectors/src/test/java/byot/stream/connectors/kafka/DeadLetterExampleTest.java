package byot.stream.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.JsonCodec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

/** Outside clients check their parsers against docs/formats.md: its dead-letter example must be what the source writes. */
class DeadLetterExampleTest {

    private static final Path FORMATS = Path.of("..", "docs", "formats.md");

    @Test
    void theDocumentedDeadLetterIsWhatTheSourceWritesForItsOriginal() throws Exception {
        JsonNode documented = new ObjectMapper().readTree(jsonBlockAfter("## Dead letter (`dead-letter`)"));
        byte[] original = Base64.getDecoder().decode(documented.get("original").asText());
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(documented.get("topic").asText(),
                documented.get("partition").asInt(), documented.get("offset").asLong(),
                documented.get("timestampMillis").asLong(), TimestampType.CREATE_TIME, -1, original.length, null, original,
                new RecordHeaders(), Optional.empty());

        List<Decoded> out = new ArrayList<>();
        new ImageEventDeserializer(ImageLimits.DEFAULT).deserialize(record, new Collector<>() {
            @Override
            public void collect(Decoded d) {
                out.add(d);
            }

            @Override
            public void close() {
            }
        });

        assertThat(out).singleElement().satisfies(d -> assertThat(d.isOk()).isFalse());
        JsonNode written = new ObjectMapper().readTree(JsonCodec.deadLetters().encode(out.get(0).deadLetter()));
        assertThat(written).isEqualTo(documented);
    }

    private static String jsonBlockAfter(String heading) throws Exception {
        String doc = Files.readString(FORMATS, StandardCharsets.UTF_8);
        int section = doc.indexOf(heading);
        assertThat(section).as(heading + " in " + FORMATS).isNotNegative();
        int start = doc.indexOf("```json\n", section) + "```json\n".length();
        return doc.substring(start, doc.indexOf("```", start));
    }
}
