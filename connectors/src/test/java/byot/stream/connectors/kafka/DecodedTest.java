package byot.stream.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.MalformedRecordException.Reason;
import byot.stream.connectors.format.PixelEncoding;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class DecodedTest {

    @Test
    void flinkSerializesDecodedAsPojoNotKryo() throws Exception {
        TypeInformation<Decoded> type = new ImageEventDeserializer(ImageLimits.DEFAULT)
                .getProducedType();
        assertThat(type).isInstanceOf(PojoTypeInfo.class);
        TypeSerializer<Decoded> serializer = type.createSerializer(new SerializerConfigImpl());

        Decoded ok = Decoded.ok(new ImageEvent("a", 5, "s", -1, 2, 2, 1, PixelEncoding.RAW_UINT8, new byte[] {1, 2, 3, 4}));
        Decoded failed = Decoded.failed(new DeadLetter("images", 1, 9, Reason.BAD_MAGIC, "x", 3, new byte[] {7}));
        for (Decoded d : new Decoded[] {ok, failed}) {
            DataOutputSerializer out = new DataOutputSerializer(64);
            serializer.serialize(d, out);
            Decoded back = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
            assertThat(back).usingRecursiveComparison().isEqualTo(d);
            assertThat(back.isOk()).isEqualTo(d.isOk());
        }
    }

    @Test
    void holdsExactlyOneSide() {
        assertThatThrownBy(() -> new Decoded(null, null)).isInstanceOf(IllegalArgumentException.class);
    }
}
