package byot.stream.connectors.format;

import byot.stream.connectors.format.MalformedRecordException.Reason;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Serializable;
import java.util.Map;
import java.util.Objects;

/**
 * UTF-8 JSON for the JSON topics ({@link Prediction}, {@link MetricsWindow}, {@link DeadLetter}). Unknown fields
 * are ignored so that adding a field is a compatible change. Unparseable JSON, a missing field or a wrong type is
 * {@code BAD_JSON}; a value the record's constructor rejects is {@code INVALID_FIELD}.
 */
public final class JsonCodec<T> implements Serializable {
    private static final long serialVersionUID = 1L;

    // Immutable after construction and thread-safe: one mapper serves every codec and Flink subtask.
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            // Computed list getters such as MetricsWindow.perExitAccuracy must not be fed JSON on the way in.
            .disable(MapperFeature.USE_GETTERS_AS_SETTERS)
            .build();

    private final Class<T> type;
    /**
     * Fields added to a format after its first release, with the neutral value a record written before them reads
     * as (no refusals, no alarms). Every other field stays required.
     */
    private final Map<String, Serializable> addedFields;

    private JsonCodec(Class<T> type, Map<String, Serializable> addedFields) {
        this.type = Objects.requireNonNull(type);
        this.addedFields = Map.copyOf(addedFields);
    }

    private JsonCodec(Class<T> type) {
        this(type, Map.of());
    }

    public static JsonCodec<Prediction> predictions() {
        return new JsonCodec<>(Prediction.class);
    }

    public static JsonCodec<MetricsWindow> metricsWindows() {
        return new JsonCodec<>(MetricsWindow.class,
                Map.of(MetricsWindow.PUBLISHES_REFUSED, 0L, MetricsWindow.DRIFT_ALARMS, new java.util.ArrayList<DriftAlarm>()));
    }

    public static JsonCodec<DeadLetter> deadLetters() {
        return new JsonCodec<>(DeadLetter.class);
    }

    public byte[] encode(T value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + type.getSimpleName() + " as JSON", e);
        }
    }

    public T decode(byte[] json) throws MalformedRecordException {
        if (json == null || json.length == 0) {
            throw new MalformedRecordException(Reason.EMPTY, type.getSimpleName() + " has no bytes");
        }
        try {
            T value = addedFields.isEmpty() ? MAPPER.readValue(json, type) : withAddedFields(json);
            if (value == null) {
                throw new MalformedRecordException(Reason.BAD_JSON, type.getSimpleName() + " is JSON null");
            }
            return value;
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new MalformedRecordException(Reason.INVALID_FIELD, type.getSimpleName() + ": " + cause.getMessage(), e);
        } catch (JacksonException e) {
            throw new MalformedRecordException(Reason.BAD_JSON, type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new MalformedRecordException(Reason.BAD_JSON, type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private T withAddedFields(byte[] json) throws IOException {
        JsonNode tree = MAPPER.readTree(json);
        if (tree instanceof ObjectNode object) {
            addedFields.forEach((field, neutral) -> {
                if (!object.has(field)) {
                    object.set(field, MAPPER.valueToTree(neutral));
                }
            });
        }
        return MAPPER.treeToValue(tree, type);
    }
}
